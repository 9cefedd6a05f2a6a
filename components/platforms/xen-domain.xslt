<?xml version="1.0" encoding="UTF-8"?>
<!--
  Makes the libvirt provider's domain XML fit for Xen's libxl driver:
  - removes the qemu guest-agent channel (libxl rejects channel targets other than xen);
  - removes the virtio RNG device (not a libxl device);
  - puts the guest's disks on Xen's bus as xvdX (the provider writes vdX on virtio);
  - gives every NIC the paravirtual netfront model (the provider hard-codes virtio);
  - replaces spice graphics with VNC on localhost.
  Everything else is copied unchanged.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" indent="yes" omit-xml-declaration="yes"/>

  <xsl:template match="@*|node()">
    <xsl:copy>
      <xsl:apply-templates select="@*|node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="/domain/devices/channel[target/@type='virtio']"/>
  <xsl:template match="/domain/devices/rng"/>

  <xsl:template match="/domain/devices/disk[@device='disk']/target">
    <target dev="{concat('xvd', substring(@dev, 3))}" bus="xen"/>
  </xsl:template>

  <xsl:template match="/domain/devices/interface/model">
    <model type="netfront"/>
  </xsl:template>

  <xsl:template match="/domain/devices/graphics[@type='spice']">
    <graphics type="vnc" port="-1" autoport="yes" listen="127.0.0.1"/>
  </xsl:template>
</xsl:stylesheet>
