// Every pattern a value of the lab is checked against, in one place: the config parser, the plan
// check and the shell builders all use these, so they cannot disagree.

/** One IPv4 octet, 0-255, without leading zeros (10.01.0.1 is not an address). */
const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";

/** A dotted-quad IPv4 address. */
export const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
/** An IPv4 network in CIDR form; the prefix length is captured last (its range is checked apart). */
export const CIDR = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/(\\d{1,2})$`);
/** Namespace, link, endpoint, pool and resource names. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Linux interface names (IFNAMSIZ 16, so 15 characters). */
export const IFNAME = /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/;
/** A DNS name or dotted-quad address. */
export const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** A Linux login name. */
export const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** An absolute path without spaces or shell characters. */
export const ABSOLUTE_PATH = /^\/[A-Za-z0-9_./@+-]*$/;
/** A results file: relative or absolute, no spaces or shell characters, no '..' step, ending in .json. */
export const RESULTS_FILE = /^(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_./@+-]+\.json$/;
/** An https URL without shell characters (URLs also appear in double-quoted messages). */
export const HTTPS_URL = /^https:\/\/[A-Za-z0-9._~:/?#@+=%-]+$/;
/** A server: a host name or IPv4 address, with an optional port (a lab vCenter on another port). */
export const HOST_PORT = new RegExp(`^(?:${HOST.source.slice(1, -1)})(?::\\d{1,5})?$`);
/** A kernel command line: words of safe characters, separated by single spaces. */
export const KERNEL_CMDLINE = /^[A-Za-z0-9_.,:/=@+-]+( [A-Za-z0-9_.,:/=@+-]+){0,63}$/;
/** A guest image: an http(s) URL or an absolute path. */
export const IMAGE = /^(https?:\/\/[A-Za-z0-9._~:/?#@!$&*+,;=%-]+|\/[A-Za-z0-9_./@+-]+)$/;
/** A SHA-256 checksum in hex. */
export const SHA256 = /^[0-9a-f]{64}$/;
/** A release version such as 2.7.0. */
export const VERSION = /^\d+\.\d+\.\d+$/;
/** A whole number as the shell sees it. */
export const UINT = /^\d{1,9}$/;
/** The lab's prefix: it names namespaces, links and units, so it stays short and plain. */
export const LAB_PREFIX = /^[a-z][a-z0-9]{0,9}$/;
/** A run id: a plain identifier. */
export const RUN_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** A vSphere login such as administrator@vsphere.local. */
export const VSPHERE_USER = /^[A-Za-z0-9_.@-]{1,128}$/;
/** vSphere inventory names (datacenter, datastore, port group, template). */
export const INVENTORY = /^[A-Za-z0-9][A-Za-z0-9 _.()-]{0,79}$/;
/** One OpenSSH public key line. */
export const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [A-Za-z0-9_.@+-]{0,100})?$/;
/** A short description of what a lab emulates (hvnetlab:emulation): words, digits and plain punctuation. */
export const EMULATION = /^[A-Za-z0-9][A-Za-z0-9 _.,:()+/-]{0,119}$/;
