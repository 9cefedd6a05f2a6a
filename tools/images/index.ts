// tools/images/: the cached images the labs boot (guest-image.ts: the guest image of lab:qemu and
// lab:xen, and the bare rootfs; xen-host-image.ts: the Xen host of lab:xen). This file is the
// folder's surface. Both files are also entry points (`ts-node tools/images/<file>.ts` builds the
// image by hand) that build only when executed (require.main), so importing them here runs nothing.
export * from "./guest-image";
export * from "./xen-host-image";
