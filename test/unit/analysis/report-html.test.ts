// report.html: report.md rendered as one page, charts inlined, no markup from the documents.
import * as assert from "assert";
import { reportHtml } from "../../../analysis/report-html";

describe("report.html", () => {
    const svg =
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    it("inlines every chart report.md links, without its XML declaration", () => {
        const html = reportHtml("# t\n\n![a](charts/a.svg)\n", new Map([["charts/a.svg", svg]]));
        assert.match(html, /^<!doctype html>/);
        assert.match(
            html,
            /<figure><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*><rect[^>]*\/><\/svg><figcaption>charts\/a\.svg<\/figcaption><\/figure>/,
        );
        assert.ok(!html.includes("<?xml"));
        assert.ok(!html.includes("<img"));
    });
    it("leaves a chart it does not have as a link", () => {
        assert.match(reportHtml("![b](charts/b.svg)\n", new Map()), /<img src="charts\/b\.svg" alt="b">/);
    });
    it("escapes markup that came from a results document (a label, a host fact) and the title", () => {
        const html = reportHtml("**<script>alert(1)</script>** <img src=x onerror=alert(1)>\n", new Map(), "<b>t</b>");
        assert.ok(!/<script|<img|<b>t/.test(html), html);
        assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
        assert.match(html, /<title>&lt;b&gt;t&lt;\/b&gt;<\/title>/);
    });
    it("renders the Markdown tables as tables, numbers right-aligned", () => {
        const html = reportHtml("| guests | a |\n|---|---:|\n| 1 | 941.0 Mb/s |\n", new Map());
        assert.match(html, /<table>[\s\S]*<td style="text-align:right">941\.0 Mb\/s<\/td>[\s\S]*<\/table>/);
    });
});
