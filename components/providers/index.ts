// components/providers/: the typed resource classes and functions of the vSphere and libvirt
// providers that the program uses, with the official SDKs' type tokens, input names and plugin
// versions (@pulumi/vsphere 4.17.0, @pulumi/libvirt 0.5.4, neither served here), one namespace
// each as the official packages name them; plugins/ declares the plugins to install.
export * as libvirt from "./libvirt";
export * as vsphere from "./vsphere";
export { LIBVIRT_VERSION } from "./libvirt";
export { VSPHERE_VERSION } from "./vsphere";
