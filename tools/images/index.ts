// tools/images/: the cached images the labs boot (guest-image.ts: the guest image of lab:qemu and
// lab:xen, and the bare rootfs; xen-host-image.ts: the Xen host of lab:xen). This file is the
// folder's surface. Both files are also entry points (`ts-node tools/images/<file>.ts` builds the
// image by hand) that build only when executed (require.main), so importing them here runs nothing.
export { GUEST_IMAGE_RECIPE, QUIET_UNITS, ensureBareRootfs, ensureGuestImage, maskUnits } from "./guest-image";
export { BOOTABLE_PACKAGES, buildInto, debootstrap, recipeDir, takeBootFiles, tidyRootfs } from "./guest-image";
export type { GuestImage } from "./guest-image";
export { DOM0_ADDRESS, XEN_HOST_RECIPE, ensureXenHostImage } from "./xen-host-image";
export type { XenHostImage } from "./xen-host-image";
