// Package records publishes normalized records to the records stream,
// once per content version, and reads them back. Bodies too large for a
// NATS message, and original files, live in the JetStream object store.
package records

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/polarbridge/polarbridge/core/bus"
	"github.com/polarbridge/polarbridge/pluginapi"
)

// Message headers on the records stream.
const (
	HeaderKind    = "Polarbridge-Kind"
	HeaderKey     = "Polarbridge-Key"
	HeaderVersion = "Polarbridge-Version"
	// HeaderBodyObject names the object holding the body when it is too
	// large for a message; the message data is then empty.
	HeaderBodyObject = "Polarbridge-Body-Object"
)

// inlineLimit is the largest body sent inline; larger ones go to the
// object store. NATS's default max payload (1 MB) sets an upper bound, but
// memory sets this one: an inline body is read back through the records
// stream, whose file-store blocks then stay in the embedded server's
// memory for 10 s, while a body in the object store is read back from
// bus.ReadObject's memory. At 768 KiB a backlog of 200 exercises peaked
// at 185 MiB, at 64 KiB at 141-145 MiB (docs/performance.md).
const inlineLimit = 64 << 10

// ErrBadRecord is wrapped by errors about a record that cannot be published
// or decoded as it is.
var ErrBadRecord = errors.New("bad record")

// ErrVersionConflict is returned by Publish when another publisher wrote
// a different version of the same record at the same time. It is
// temporary: publishing a fresh fetch resolves it.
var ErrVersionConflict = errors.New("concurrent versions")

// Version returns the content version of r: a hash of its normalized
// content, without the version itself and without file bytes (files are
// referenced by their own hash).
func Version(r *pluginapi.Record) (string, error) {
	b, err := marshalContent(r)
	if err != nil {
		return "", err
	}
	return versionOf(b)
}

// versionFieldSize is what appending a version (16 hex digits) adds.
const versionFieldSize = 1 + 1 + 16

// marshalContent is the deterministic encoding of r without its version
// and without file bytes: what Version hashes, and the body once the
// version is appended (appendVersion). One marshal serves both; a 10 h
// exercise is several MB. r's version and file bytes are cleared during
// the marshal and restored before it returns, so r must not be read
// concurrently (Publish sets its version anyway). Its series are encoded
// in their compact form, runs and value deltas (pluginapi.Series.Compact,
// PackValues), whichever form they were built in, and given back the
// form they had.
func marshalContent(r *pluginapi.Record) ([]byte, error) {
	// A series' form fields, as the caller built them (already packed
	// ones included).
	type saved struct {
		s               *pluginapi.Series
		offs            []int64
		runs            []*pluginapi.Run
		vals            []float64
		deltas          []byte
		decimals, order uint32
		unit            float64
	}
	var changed []saved
	pluginapi.EachSeries(r, func(s *pluginapi.Series) {
		was := saved{s, s.OffsetMs, s.Runs, s.Values, s.ValueDeltas, s.ValueDecimals, s.ValueOrder, s.ValueUnit}
		s.Compact()
		if s.PackValues() || len(s.Runs) != len(was.runs) {
			changed = append(changed, was)
		}
	})
	defer func() {
		for _, c := range changed {
			c.s.OffsetMs, c.s.Runs, c.s.Values = c.offs, c.runs, c.vals
			c.s.ValueDeltas, c.s.ValueDecimals, c.s.ValueUnit, c.s.ValueOrder = c.deltas, c.decimals, c.unit, c.order
		}
	}()
	version := r.Version
	r.Version = ""
	files := r.GetExercise().GetFiles()
	data := make([][]byte, len(files))
	for i, f := range files {
		data[i], f.Data = f.Data, nil
	}
	defer func() {
		r.Version = version
		for i, f := range files {
			f.Data = data[i]
		}
	}()
	opts := proto.MarshalOptions{Deterministic: true}
	b, err := opts.MarshalAppend(make([]byte, 0, opts.Size(r)+versionFieldSize), r)
	if err != nil {
		return nil, fmt.Errorf("%w: encode %s: %v", ErrBadRecord, r.GetKey(), err)
	}
	return b, nil
}

// appendVersion turns content (marshalContent) into the record's body by
// appending its version field. The marshal leaves out an empty version and
// a decoder takes fields in any order, so the body decodes to the record
// with that version.
func appendVersion(content []byte, version string) []byte {
	if version == "" {
		return content
	}
	b := protowire.AppendTag(content, versionFieldNumber, protowire.BytesType)
	return protowire.AppendString(b, version)
}

var versionFieldNumber = recordFields.ByName("version").Number()

// Subject is where a record of kind for user is published.
func Subject(kind pluginapi.RecordKind, user string) string {
	return bus.RecordsSubject + "." + pluginapi.KindName(kind) + "." + user
}

// Publisher puts records on the records stream.
type Publisher struct {
	b *bus.Bus
	// afterPublish, if set, runs between publishing and remembering the
	// version (tests interleave a second publisher there).
	afterPublish func()
}

// NewPublisher returns a Publisher on b.
func NewPublisher(b *bus.Bus) *Publisher { return &Publisher{b: b} }

// PutFile stores an original file in the object store, named by its
// SHA-256 so the same file is stored once, and returns its reference
// (without the bytes). readSoon: an exporter of this process takes
// exercise files (see bus.PutObject).
func (p *Publisher) PutFile(ctx context.Context, format pluginapi.FileFormat, data []byte, readSoon bool) (*pluginapi.File, error) {
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	name := "files/" + digest
	// An existing copy is reused unless it is old enough that GC might
	// take it before the record now referring to it expires: then it is
	// stored again, which renews its time.
	if info, err := p.b.Files.GetInfo(ctx, name); err == nil && time.Since(info.ModTime) < p.b.RecordsMaxAge()/2 {
		return &pluginapi.File{Format: format, Object: name, Size: int64(len(data)), Sha256: digest}, nil
	}
	if err := p.b.PutObject(ctx, name, data, readSoon); err != nil {
		return nil, fmt.Errorf("store file %s: %w", name, err)
	}
	return &pluginapi.File{Format: format, Object: name, Size: int64(len(data)), Sha256: digest}, nil
}

// PublishLogged is Publish for the sources: it logs a new version at INFO
// and an unchanged one at DEBUG.
func (p *Publisher) PublishLogged(ctx context.Context, r *pluginapi.Record, log *slog.Logger) error {
	published, err := p.Publish(ctx, r)
	if err != nil {
		return err
	}
	if published {
		log.Debug("record published", "key", r.GetKey(), "version", r.GetVersion())
	} else {
		log.Debug("record unchanged", "key", r.GetKey())
	}
	return nil
}

// Publish sets r's version and publishes it unless that version was
// already published. It reports whether it published.
func (p *Publisher) Publish(ctx context.Context, r *pluginapi.Record) (bool, error) {
	if r.GetKey() == "" || r.GetKind() == pluginapi.RecordKind_RECORD_KIND_UNSPECIFIED || r.GetUserId() == "" {
		return false, fmt.Errorf("%w: key, kind and user_id are required (key %q)", ErrBadRecord, r.GetKey())
	}
	content, err := marshalContent(r)
	if err != nil {
		return false, err
	}
	version, err := versionOf(content)
	if err != nil {
		return false, err
	}
	r.Version = version
	prev, err := p.b.Versions.Get(ctx, r.GetKey())
	switch {
	case err == nil && string(prev.Value()) == version:
		return false, nil
	case err != nil && !errors.Is(err, jetstream.ErrKeyNotFound):
		return false, fmt.Errorf("look up published version of %s: %w", r.GetKey(), err)
	}
	msg, err := p.message(ctx, Subject(r.GetKind(), r.GetUserId()), r, appendVersion(content, version))
	if err != nil {
		return false, err
	}
	// The Msg-Id makes a concurrent or repeated publish of the same
	// version (two daemons, a crash before the KV update) a no-op.
	id := r.GetKey() + "@" + version
	ack, err := p.b.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(id))
	if err == nil && ack.Duplicate && prev != nil {
		// Back to a version published within the de-duplication window
		// (A, B, then A again): it is new relative to B, so it must go
		// out, under an id naming what it follows.
		_, err = p.b.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(fmt.Sprintf("%s@r%d", id, prev.Revision())))
	}
	if err != nil {
		return false, fmt.Errorf("publish record %s: %w", r.GetKey(), err)
	}
	if p.afterPublish != nil {
		p.afterPublish()
	}
	if err := p.remember(ctx, r.GetKey(), version, prev); err != nil {
		return true, err
	}
	return true, nil
}

// contended is the versions KV's value for a key two publishers wrote at
// once. It matches no version, so whatever is fetched next is published.
const contended = "contended"

// remember records version as key's latest, compare-and-set against prev
// (nil: no version yet). When another publisher (a second daemon) wrote
// the key in between, which content is newer and which message is later
// in the stream are both unknown: the key is marked contended and
// ErrVersionConflict returned, so the caller fetches again and publishes
// what it gets, after both.
func (p *Publisher) remember(ctx context.Context, key, version string, prev jetstream.KeyValueEntry) error {
	var err error
	if prev == nil {
		_, err = p.b.Versions.Create(ctx, key, []byte(version))
	} else {
		_, err = p.b.Versions.Update(ctx, key, []byte(version), prev.Revision())
	}
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("remember version of %s: %w", key, err)
	}
	if cur, gerr := p.b.Versions.Get(ctx, key); gerr == nil && string(cur.Value()) == version {
		return nil // the other publisher published the same content
	}
	if _, err := p.b.Versions.Put(ctx, key, []byte(contended)); err != nil {
		return fmt.Errorf("mark version of %s contended: %w", key, err)
	}
	return fmt.Errorf("%w: %s was published by another daemon at the same time; it is fetched again", ErrVersionConflict, key)
}

// Redeliver publishes r again for one exporter only (dead-letter replay).
func (p *Publisher) Redeliver(ctx context.Context, exporter string, r *pluginapi.Record) error {
	subject := fmt.Sprintf("%s.%s.%s.%s", bus.RedeliverSubject, exporter, pluginapi.KindName(r.GetKind()), r.GetUserId())
	content, err := marshalContent(r)
	if err != nil {
		return err
	}
	msg, err := p.message(ctx, subject, r, appendVersion(content, r.GetVersion()))
	if err != nil {
		return err
	}
	if _, err := p.b.JS.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("redeliver record %s: %w", r.GetKey(), err)
	}
	return nil
}

// message builds the message for r with its body, moving a large body to
// the object store.
func (p *Publisher) message(ctx context.Context, subject string, r *pluginapi.Record, body []byte) (*nats.Msg, error) {
	msg := nats.NewMsg(subject)
	msg.Header.Set(HeaderKind, pluginapi.KindName(r.GetKind()))
	msg.Header.Set(HeaderKey, r.GetKey())
	msg.Header.Set(HeaderVersion, r.GetVersion())
	if len(body) <= inlineLimit {
		msg.Data = body
		return msg, nil
	}
	name := bus.BodyPrefix + r.GetKey() + "/" + r.GetVersion()
	if err := p.b.PutObjectPaced(ctx, name, body); err != nil {
		return nil, fmt.Errorf("store body of %s: %w", r.GetKey(), err)
	}
	msg.Header.Set(HeaderBodyObject, name)
	return msg, nil
}

// Reader turns stream messages back into records.
type Reader struct {
	b *bus.Bus
}

// NewReader returns a Reader on b.
func NewReader(b *bus.Bus) *Reader { return &Reader{b: b} }

// Decode returns the record in a message with the given header and data.
func (rd *Reader) Decode(ctx context.Context, header nats.Header, data []byte) (*pluginapi.Record, error) {
	body, err := rd.Body(ctx, header, data)
	if err != nil {
		return nil, err
	}
	return DecodeBody(header, body)
}

// Body returns the encoded record of a message: its data, or the object
// holding a large body.
func (rd *Reader) Body(ctx context.Context, header nats.Header, data []byte) ([]byte, error) {
	name := header.Get(HeaderBodyObject)
	if name == "" {
		return data, nil
	}
	body, err := rd.b.ReadObject(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("load body %s: %w", name, err)
	}
	return body, nil
}

// DecodeBody decodes a body Body returned for a message with header.
func DecodeBody(header nats.Header, body []byte) (*pluginapi.Record, error) {
	r := &pluginapi.Record{}
	if err := proto.Unmarshal(body, r); err != nil {
		return nil, fmt.Errorf("%w: decode %s: %v", ErrBadRecord, header.Get(HeaderKey), err)
	}
	if err := pluginapi.UnpackValues(r); err != nil {
		return nil, fmt.Errorf("%w: decode %s: %v", ErrBadRecord, header.Get(HeaderKey), err)
	}
	return r, nil
}

// DecodeSummary decodes a body's record without its body (the exercise,
// night, ...): kind, key, version, user and source, for the dispatcher to
// decide on and account for a record it hands over encoded. The body is
// skipped, not decoded; one whose framing is broken is an ErrBadRecord.
func DecodeSummary(header nats.Header, body []byte) (*pluginapi.Record, error) {
	var top []byte
	for b := body; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("%w: decode %s: %v", ErrBadRecord, header.Get(HeaderKey), protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, fmt.Errorf("%w: decode %s: %v", ErrBadRecord, header.Get(HeaderKey), protowire.ParseError(m))
		}
		if !summaryField(num) {
			b = b[n+m:]
			continue
		}
		top = append(top, b[:n+m]...)
		b = b[n+m:]
	}
	return DecodeBody(header, top)
}

// summaryField reports whether a Record field is outside its body oneof.
func summaryField(num protowire.Number) bool {
	f := recordFields.ByNumber(num)
	return f != nil && f.ContainingOneof() == nil
}

var recordFields = (&pluginapi.Record{}).ProtoReflect().Descriptor().Fields()

// LoadFiles fills in the bytes of r's files from the object store and
// checks them against their recorded digest.
func (rd *Reader) LoadFiles(ctx context.Context, r *pluginapi.Record) error {
	for _, f := range r.GetExercise().GetFiles() {
		if len(f.GetData()) > 0 || f.GetObject() == "" {
			continue
		}
		data, err := rd.b.ReadObject(ctx, f.GetObject())
		if err != nil {
			return fmt.Errorf("load file %s of %s: %w", f.GetObject(), r.GetKey(), err)
		}
		if sum := sha256.Sum256(data); f.GetSha256() != "" && !bytes.Equal([]byte(hex.EncodeToString(sum[:])), []byte(f.GetSha256())) {
			return fmt.Errorf("%w: file %s of %s does not match its digest", ErrBadRecord, f.GetObject(), r.GetKey())
		}
		f.Data = data
	}
	return nil
}
