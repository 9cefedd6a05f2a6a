package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	golibvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// hypervisor is the provider's one connection to libvirtd, opened on first use.
type hypervisor struct {
	uri  string
	mu   sync.Mutex
	conn *golibvirt.Libvirt
}

func (h *hypervisor) get() (*golibvirt.Libvirt, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conn != nil && h.conn.IsConnected() {
		return h.conn, nil
	}
	if h.uri == "" {
		return nil, errors.New("the libvirt provider has no uri: set libvirt:uri or the provider resource's uri")
	}
	u, err := connectURI(h.uri)
	if err != nil {
		return nil, err
	}
	conn, err := u.connect()
	if err != nil {
		return nil, fmt.Errorf("cannot reach libvirt at %s: %w (check that libvirtd runs there and that the SSH user, key and known host are right)", redactURI(h.uri), err)
	}
	h.conn = conn
	return conn, nil
}

func (h *hypervisor) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conn != nil {
		_ = h.conn.Disconnect()
		h.conn = nil
	}
}

// redactURI drops a password from a URI before it goes into a message.
func redactURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	return u.String()
}

// notFound says whether libvirt answered that the domain, pool or volume does not exist.
func notFound(err error) bool {
	var e golibvirt.Error
	if !errors.As(err, &e) {
		return false
	}
	switch golibvirt.ErrorNumber(e.Code) {
	case golibvirt.ErrNoDomain, golibvirt.ErrNoStoragePool, golibvirt.ErrNoStorageVol:
		return true
	}
	return false
}

func uuidString(u golibvirt.UUID) string {
	b := u[:]
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// createPool defines, builds, starts and autostarts a directory pool; returns its UUID.
func createPool(l *golibvirt.Libvirt, p poolInputs) (string, error) {
	if _, err := l.StoragePoolLookupByName(p.Name); err == nil {
		return "", fmt.Errorf("storage pool %q already exists on the host: remove it (virsh pool-destroy/pool-undefine) or choose another libvirt.pool", p.Name)
	}
	x, err := poolXML(p)
	if err != nil {
		return "", err
	}
	pool, err := l.StoragePoolDefineXML(x, 0)
	if err != nil {
		return "", fmt.Errorf("defining pool %q: %w", p.Name, err)
	}
	steps := []func() error{
		func() error { return l.StoragePoolBuild(pool, 0) },
		func() error { return l.StoragePoolCreate(pool, 0) },
		func() error { return l.StoragePoolSetAutostart(pool, 1) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			_ = l.StoragePoolDestroy(pool)
			_ = l.StoragePoolUndefine(pool)
			return "", fmt.Errorf("starting pool %q at %s: %w", p.Name, p.Path, err)
		}
	}
	return uuidString(pool.UUID), nil
}

// deletePool stops and undefines a pool and removes its (empty) folder; a pool that is gone is fine.
func deletePool(l *golibvirt.Libvirt, name string) error {
	pool, err := l.StoragePoolLookupByName(name)
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_ = l.StoragePoolDestroy(pool)
	_ = l.StoragePoolDelete(pool, 0)
	if err := l.StoragePoolUndefine(pool); err != nil && !notFound(err) {
		return fmt.Errorf("undefining pool %q: %w", name, err)
	}
	return nil
}

func lookupPool(l *golibvirt.Libvirt, name string) (golibvirt.StoragePool, error) {
	pool, err := l.StoragePoolLookupByName(name)
	if err != nil {
		return pool, fmt.Errorf("storage pool %q: %w", name, err)
	}
	_ = l.StoragePoolRefresh(pool, 0)
	return pool, nil
}

// volumeFacts are what a volume is: path, format and capacity.
type volumeFacts struct {
	Path, Format string
	Capacity     uint64
}

func volumeByKey(l *golibvirt.Libvirt, key string) (golibvirt.StorageVol, volumeFacts, error) {
	vol, err := l.StorageVolLookupByKey(key)
	if err != nil {
		return vol, volumeFacts{}, err
	}
	desc, err := l.StorageVolGetXMLDesc(vol, 0)
	if err != nil {
		return vol, volumeFacts{}, err
	}
	var x libvirtxml.StorageVolume
	if err := x.Unmarshal(desc); err != nil {
		return vol, volumeFacts{}, err
	}
	f := volumeFacts{Format: "raw"}
	if x.Target != nil {
		f.Path = x.Target.Path
		if x.Target.Format != nil {
			f.Format = x.Target.Format.Type
		}
	}
	if x.Capacity != nil {
		f.Capacity = x.Capacity.Value
	}
	return vol, f, nil
}

// source is an image to upload: its length and, for qcow2, its virtual size.
type source struct {
	r           io.ReadCloser
	length      uint64
	virtualSize uint64
}

// openSource opens a volume's `source`: a path on the machine running Pulumi, or an http(s) URL.
func openSource(src string) (*source, error) {
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		resp, err := http.Get(src) //nolint:gosec // the user's own image URL
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", src, err)
		}
		if resp.StatusCode != http.StatusOK || resp.ContentLength <= 0 {
			resp.Body.Close()
			return nil, fmt.Errorf("source %s: HTTP %s (a length is needed to upload it)", src, resp.Status)
		}
		head := make([]byte, 32)
		n, _ := io.ReadFull(resp.Body, head)
		return &source{r: struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head[:n]), resp.Body), resp.Body}, length: uint64(resp.ContentLength), virtualSize: qcow2VirtualSize(head[:n])}, nil
	}
	path := strings.TrimPrefix(src, "file://")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w (the image must be on the machine running Pulumi, or an http(s) URL)", src, err)
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("source %s is not a regular file", src)
	}
	head := make([]byte, 32)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return &source{r: f, length: uint64(st.Size()), virtualSize: qcow2VirtualSize(head[:n])}, nil
}

// qcow2VirtualSize reads a qcow2 header's virtual disk size (big-endian at offset 24); 0 when the
// bytes are not a qcow2 header.
func qcow2VirtualSize(head []byte) uint64 {
	if len(head) < 32 || string(head[:4]) != "QFI\xfb" {
		return 0
	}
	return binary.BigEndian.Uint64(head[24:32])
}

// createVolume creates a volume in its pool: uploaded from `source`, a copy-on-write layer over
// `baseVolumeId`, or empty. Returns its key (the id).
func createVolume(l *golibvirt.Libvirt, v volumeInputs) (string, error) {
	pool, err := lookupPool(l, v.Pool)
	if err != nil {
		return "", err
	}
	capacity := v.Size
	var backingPath, backingFormat string
	var src *source
	switch {
	case v.Source != "":
		if src, err = openSource(v.Source); err != nil {
			return "", err
		}
		defer src.r.Close()
		if v.Format == "qcow2" && src.virtualSize == 0 {
			return "", fmt.Errorf("source %s is not a qcow2 image but format is qcow2: set format to raw, or give a qcow2 image", v.Source)
		}
		capacity = max(src.virtualSize, src.length)
	case v.BaseVolumeID != "":
		_, base, err := volumeByKey(l, v.BaseVolumeID)
		if err != nil {
			return "", fmt.Errorf("baseVolumeId %s: %w", v.BaseVolumeID, err)
		}
		backingPath, backingFormat = base.Path, base.Format
		if capacity == 0 {
			capacity = base.Capacity
		}
		if capacity < base.Capacity {
			return "", fmt.Errorf("size %d of volume %q is smaller than its base volume's %d bytes: give at least the base's size, or none", capacity, v.Name, base.Capacity)
		}
	}
	x, err := volumeXML(v.Name, v.Format, capacity, backingPath, backingFormat)
	if err != nil {
		return "", err
	}
	vol, adopted, err := createOrAdoptVolume(l, pool, v.Name, x)
	if err != nil {
		return "", fmt.Errorf("creating volume %q in pool %q: %w", v.Name, v.Pool, err)
	}
	if src != nil {
		if err := l.StorageVolUpload(vol, src.r, 0, src.length, 0); err != nil {
			if !adopted {
				_ = l.StorageVolDelete(vol, 0)
			}
			return "", fmt.Errorf("uploading %s into volume %q: %w", v.Source, v.Name, err)
		}
	}
	return vol.Key, nil
}

// volumeCreator is the part of go-libvirt's client that creates and looks up volumes.
type volumeCreator interface {
	StorageVolCreateXML(pool golibvirt.StoragePool, xml string, flags golibvirt.StorageVolCreateFlags) (golibvirt.StorageVol, error)
	StorageVolLookupByName(pool golibvirt.StoragePool, name string) (golibvirt.StorageVol, error)
}

// createOrAdoptVolume creates a volume, or, where libvirt answers that one of that name exists
// (VIR_ERR_STORAGE_VOL_EXIST), takes the existing one as it is, without comparing its size,
// format or backing file, as the official provider does (terraform-provider-libvirt v0.8.1,
// libvirt/resource_libvirt_volume.go resourceLibvirtVolumeCreate: "Volume about to be created was
// found and left as-is"). adopted says which; an adopted volume is deleted with the resource.
func createOrAdoptVolume(l volumeCreator, pool golibvirt.StoragePool, name, xml string) (vol golibvirt.StorageVol, adopted bool, err error) {
	vol, err = l.StorageVolCreateXML(pool, xml, 0)
	var e golibvirt.Error
	if err != nil && errors.As(err, &e) && golibvirt.ErrorNumber(e.Code) == golibvirt.ErrStorageVolExist {
		existing, lerr := l.StorageVolLookupByName(pool, name)
		if lerr != nil {
			return vol, false, fmt.Errorf("%w; looking the existing volume up: %v", err, lerr)
		}
		fmt.Fprintf(os.Stderr, "volume %q was found in its pool and left as it is (as the official libvirt provider adopts it)\n", name)
		return existing, true, nil
	}
	return vol, false, err
}

// deleteVolume deletes a volume by key; a volume that is gone is fine.
func deleteVolume(l *golibvirt.Libvirt, key string) error {
	vol, err := l.StorageVolLookupByKey(key)
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := l.StorageVolDelete(vol, 0); err != nil && !notFound(err) {
		return fmt.Errorf("deleting volume %s: %w", key, err)
	}
	return nil
}

// cloudInitISO builds the NoCloud ISO (volume id `cidata`) of a CloudInitDisk with genisoimage,
// as the official provider does; returns its bytes.
func cloudInitISO(c cloudInitInputs) ([]byte, error) {
	tool := ""
	for _, name := range []string{"genisoimage", "mkisofs", "xorrisofs"} {
		if p, err := exec.LookPath(name); err == nil {
			tool = p
			break
		}
	}
	if tool == "" {
		return nil, errors.New("a CloudInitDisk needs genisoimage on the machine running Pulumi (Debian: apt-get install genisoimage)")
	}
	dir, err := os.MkdirTemp("", "hvnetlab-cloudinit-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	files := map[string]string{"user-data": c.UserData, "meta-data": c.MetaData, "network-config": c.NetworkConfig}
	names := []string{"user-data", "meta-data"}
	if c.NetworkConfig != "" {
		names = append(names, "network-config")
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(files[n]), 0o600); err != nil {
			return nil, err
		}
	}
	iso := filepath.Join(dir, "cloudinit.iso")
	args := append([]string{"-output", iso, "-volid", "cidata", "-joliet", "-rock", "-quiet"}, names...)
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", filepath.Base(tool), err, out)
	}
	return os.ReadFile(iso)
}

// createCloudInit uploads the ISO as a raw volume; the id is `<volume key>;<name>`, the shape
// the official provider uses (the Domain's `cloudinit` takes it).
func createCloudInit(l *golibvirt.Libvirt, c cloudInitInputs) (string, error) {
	iso, err := cloudInitISO(c)
	if err != nil {
		return "", err
	}
	pool, err := lookupPool(l, c.Pool)
	if err != nil {
		return "", err
	}
	if _, err := l.StorageVolLookupByName(pool, c.Name); err == nil {
		return "", fmt.Errorf("volume %q already exists in pool %q: delete it or choose another name", c.Name, c.Pool)
	}
	x, err := volumeXML(c.Name, "raw", uint64(len(iso)), "", "")
	if err != nil {
		return "", err
	}
	vol, err := l.StorageVolCreateXML(pool, x, 0)
	if err != nil {
		return "", fmt.Errorf("creating volume %q: %w", c.Name, err)
	}
	if err := l.StorageVolUpload(vol, bytes.NewReader(iso), 0, uint64(len(iso)), 0); err != nil {
		_ = l.StorageVolDelete(vol, 0)
		return "", fmt.Errorf("uploading the cloud-init ISO %q: %w", c.Name, err)
	}
	return vol.Key + ";" + c.Name, nil
}

// cloudInitKey is the volume key in a CloudInitDisk id.
func cloudInitKey(id string) string {
	key, _, _ := strings.Cut(id, ";")
	return key
}

// createDomain resolves the domain's volumes, defines it (after the XSLT) and starts it when
// `running`. A domain that fails to start is undefined again. Returns its UUID.
func createDomain(l *golibvirt.Libvirt, d domainInputs) (string, error) {
	if _, err := l.DomainLookupByName(d.Name); err == nil {
		return "", fmt.Errorf("a domain named %q already exists on the host: remove it (virsh undefine) or change labPrefix", d.Name)
	}
	var disks []attachedDisk
	for _, key := range d.Disks {
		_, f, err := volumeByKey(l, key)
		if err != nil {
			return "", fmt.Errorf("disk volume %s: %w", key, err)
		}
		disks = append(disks, attachedDisk{Path: f.Path, Format: f.Format})
	}
	iso := ""
	if d.CloudInit != "" {
		_, f, err := volumeByKey(l, cloudInitKey(d.CloudInit))
		if err != nil {
			return "", fmt.Errorf("cloudinit %s: %w", d.CloudInit, err)
		}
		iso = f.Path
	}
	x, err := definitionXML(d, disks, iso)
	if err != nil {
		return "", err
	}
	dom, err := l.DomainDefineXML(x)
	if err != nil {
		return "", fmt.Errorf("defining domain %q: %w", d.Name, err)
	}
	if d.Autostart {
		if err := l.DomainSetAutostart(dom, 1); err != nil {
			_ = undefineDomain(l, dom)
			return "", fmt.Errorf("autostart of domain %q: %w", d.Name, err)
		}
	}
	if d.Running {
		if err := l.DomainCreate(dom); err != nil {
			_ = undefineDomain(l, dom)
			return "", fmt.Errorf("starting domain %q: %w", d.Name, err)
		}
	}
	return uuidString(dom.UUID), nil
}

// deleteDomain stops and undefines a domain; a domain that is gone is fine.
func deleteDomain(l *golibvirt.Libvirt, name string) error {
	dom, err := l.DomainLookupByName(name)
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if active, _ := l.DomainIsActive(dom); active == 1 {
		if err := l.DomainDestroy(dom); err != nil && !notFound(err) {
			return fmt.Errorf("stopping domain %q: %w", name, err)
		}
	}
	if err := undefineDomain(l, dom); err != nil && !notFound(err) {
		return fmt.Errorf("undefining domain %q: %w", name, err)
	}
	return nil
}

// domainUndefiner is the part of go-libvirt's client that undefines domains.
type domainUndefiner interface {
	DomainUndefineFlags(dom golibvirt.Domain, flags golibvirt.DomainUndefineFlagsValues) error
	DomainUndefine(dom golibvirt.Domain) error
}

// undefineDomain undefines a domain with its NVRAM, as the official provider does; where the
// driver takes no flags (libvirt's libxl driver: "unsupported flags (0x4) in function
// libxlDomainUndefineFlags", VIR_ERR_INVALID_ARG) or no undefine flags at all
// (VIR_ERR_NO_SUPPORT), it undefines without them, as the official provider does too.
func undefineDomain(l domainUndefiner, dom golibvirt.Domain) error {
	err := l.DomainUndefineFlags(dom, golibvirt.DomainUndefineNvram)
	var e golibvirt.Error
	if errors.As(err, &e) {
		switch golibvirt.ErrorNumber(e.Code) {
		case golibvirt.ErrNoSupport, golibvirt.ErrInvalidArg:
			return l.DomainUndefine(dom)
		}
	}
	return err
}

// exists says whether the resource a state describes is still on the host (for refresh).
func exists(l *golibvirt.Libvirt, typ, id, name string) (bool, error) {
	var err error
	switch typ {
	case poolType:
		_, err = l.StoragePoolLookupByName(name)
	case volumeType:
		_, err = l.StorageVolLookupByKey(id)
	case cloudInitDiskType:
		_, err = l.StorageVolLookupByKey(cloudInitKey(id))
	case domainType:
		_, err = l.DomainLookupByName(name)
	}
	if notFound(err) {
		return false, nil
	}
	return err == nil, err
}
