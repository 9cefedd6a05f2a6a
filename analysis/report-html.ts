// report.html: the report as one self-contained page for a browser. It is report.md rendered by
// markdown-it (raw HTML in the Markdown is escaped, so no text from a results document can inject
// markup), with every chart inlined as SVG, so the file opens anywhere with nothing beside it.
import MarkdownIt from "markdown-it";

/** The page's style: readable tables and charts that fit the window. No script, no external resource. */
const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1f23; line-height: 1.45; }
h1 { border-bottom: 2px solid #d0d7de; padding-bottom: .3rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .5rem 0 1.2rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; }
th { background: #f6f8fa; }
tbody tr:nth-child(even) { background: #fafbfc; }
code { background: #f6f8fa; padding: 0 .25rem; border-radius: 3px; }
figure { margin: 1rem 0 2rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: .85rem; }
`;

/**
 * The HTML page of a report: `markdown` is report.md's text, `charts` maps each chart's path as
 * report.md links it (charts/<file>.svg) to the SVG text, which is inlined in place of the link.
 * A chart the map lacks stays a link. Throws nothing; the title is escaped.
 */
export function reportHtml(markdown: string, charts: ReadonlyMap<string, string>, title = "hvnetlab comparison"): string {
    const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
    const image = md.renderer.rules.image!;
    md.renderer.rules.image = (tokens, idx, options, env, self) => {
        const src = tokens[idx].attrGet("src") ?? "";
        const svg = charts.get(src);
        if (svg === undefined) return image(tokens, idx, options, env, self);
        return `<figure>${stripXmlDeclaration(svg)}<figcaption>${md.utils.escapeHtml(src)}</figcaption></figure>`;
    };
    return [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        `<title>${md.utils.escapeHtml(title)}</title>`,
        `<style>${STYLE}</style>`,
        "</head>",
        "<body>",
        md.render(markdown),
        "</body>",
        "</html>",
        "",
    ].join("\n");
}

/** An SVG file may start with an XML declaration, which has no place inside an HTML body. */
function stripXmlDeclaration(svg: string): string {
    return svg.replace(/^\s*<\?xml[^>]*\?>\s*/, "");
}
