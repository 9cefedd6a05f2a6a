<?xml version="1.0" encoding="UTF-8"?>
<!--
  Makes the libvirt provider's domain XML fit for Xen's libxl driver, for one guest mode
  (hvnetlab:xen.guestMode; xen.ts sets the guestMode variable below to 'hvm' or 'pv'):
  - hvm (the default, as XCP-ng and XenServer run guests): <os><type machine="xenfv">hvm</type>,
    an HVM guest with paravirtual disk and NIC drivers;
  - pv: <os><type machine="xenpv">xen</type>, a paravirtualized guest booted from the domain's
    kernel and initrd; no ACPI or APIC features, the console on Xen's console, the cloud-init
    CD-ROM on Xen's bus (PV guests have no IDE);
  and for both:
  - removes the qemu guest-agent channel (libxl rejects channel targets other than xen);
  - removes the virtio RNG device (not a libxl device);
  - puts the guest's disks on Xen's bus as xvdX (the provider writes vdX on virtio);
  - gives every NIC the paravirtual netfront model (the provider writes virtio);
  - removes the graphics (the official provider adds spice to every domain; libxl has no spice,
    and a PV guest's framebuffer would need a device model in dom0).
  Everything else is copied unchanged.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" indent="yes" omit-xml-declaration="yes"/>

  <xsl:variable name="guestMode" select="'hvm'"/>

  <xsl:template match="@*|node()">
    <xsl:copy>
      <xsl:apply-templates select="@*|node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="/domain/os/type">
    <type>
      <xsl:copy-of select="@arch"/>
      <xsl:choose>
        <xsl:when test="$guestMode = 'pv'">
          <xsl:attribute name="machine">xenpv</xsl:attribute>
          <xsl:text>xen</xsl:text>
        </xsl:when>
        <xsl:otherwise>
          <xsl:attribute name="machine">xenfv</xsl:attribute>
          <xsl:text>hvm</xsl:text>
        </xsl:otherwise>
      </xsl:choose>
    </type>
  </xsl:template>

  <xsl:template match="/domain/features">
    <xsl:if test="$guestMode != 'pv'">
      <xsl:copy>
        <xsl:apply-templates select="@*|node()"/>
      </xsl:copy>
    </xsl:if>
  </xsl:template>

  <xsl:template match="/domain/devices/console/target">
    <xsl:choose>
      <xsl:when test="$guestMode = 'pv'">
        <target type="xen" port="{@port}"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:copy-of select="."/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/domain/devices/channel[target/@type='virtio']"/>
  <xsl:template match="/domain/devices/rng"/>

  <xsl:template match="/domain/devices/disk[@device='disk']/target">
    <target dev="{concat('xvd', substring(@dev, 3))}" bus="xen"/>
  </xsl:template>

  <xsl:template match="/domain/devices/disk[@device='cdrom']/target">
    <xsl:choose>
      <xsl:when test="$guestMode = 'pv'">
        <target dev="{concat('xvd', substring(@dev, 3))}" bus="xen"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:copy-of select="."/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/domain/devices/interface/model">
    <model type="netfront"/>
  </xsl:template>

  <xsl:template match="/domain/devices/graphics"/>
</xsl:stylesheet>
