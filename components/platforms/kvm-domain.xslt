<?xml version="1.0" encoding="UTF-8"?>
<!--
  Applied by the libvirt provider to every kvm domain's XML before it is defined (xml.xslt).
  The official provider gives every domain spice graphics (terraform-provider-libvirt v0.8.1,
  libvirt/domain_def.go newDomainDef), which a QEMU built without spice refuses (RHEL 9 and its
  rebuilds) and which a benchmark guest does not use: this removes the graphics, so the domain
  is the same on every KVM host. The guest-agent channel and the virtio RNG stay.
  Everything else is copied unchanged.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" indent="yes" omit-xml-declaration="yes"/>

  <xsl:template match="@*|node()">
    <xsl:copy>
      <xsl:apply-templates select="@*|node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="/domain/devices/graphics"/>
</xsl:stylesheet>
