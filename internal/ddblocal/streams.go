package ddblocal

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
	"github.com/hubstream/hubstream/internal/ddblocal/storage"
)

// StreamOptions configure the engine's DynamoDB Streams. The zero value
// gives DynamoDB-like defaults.
type StreamOptions struct {
	// Shards is the number of open shards of a new stream; items are routed
	// to them by partition-key hash. Default 4, so that consumers meet
	// several shards even on one machine.
	Shards int
	// ShardLifetime is how long a shard stays open before it is closed and
	// replaced by a child. Default 4 h, as in DynamoDB.
	ShardLifetime time.Duration
	// SplitOnRollover makes every rollover replace a shard with two
	// children that split its hash range, up to MaxOpenShards open shards.
	SplitOnRollover bool
	// MaxOpenShards bounds splitting. Default 64.
	MaxOpenShards int
	// Retention is how long records stay readable. Default 24 h.
	Retention time.Duration
	// IteratorTTL is how long a shard iterator stays valid. Default 15 min.
	IteratorTTL time.Duration
	// MaintenanceInterval is how often rollover and trimming are checked.
	// Default 1 s.
	MaintenanceInterval time.Duration
}

func (o *StreamOptions) setDefaults() {
	setDefault(&o.Shards, 4)
	setDefault(&o.ShardLifetime, 4*time.Hour)
	setDefault(&o.MaxOpenShards, 64)
	o.MaxOpenShards = max(o.MaxOpenShards, o.Shards)
	setDefault(&o.Retention, 24*time.Hour)
	setDefault(&o.IteratorTTL, 15*time.Minute)
	setDefault(&o.MaintenanceInterval, time.Second)
}

// setDefault sets an option that is zero or negative (unset) to d.
func setDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Store key prefixes of stream data (see keys.go for the table layout).
const (
	prefixStream = 'S' // 'S' streamID:4 -> stream definition
	prefixShard  = 'H' // 'H' streamID:4 shardIdx:4 -> shard definition
	prefixRecord = 'r' // 'r' streamID:4 shardIdx:4 seq:8 -> unixNanos:8 + record JSON
)

// seqBase makes every sequence number a 21-digit decimal that sorts
// numerically and as text.
const seqBase = "1"

func formatSeq(n uint64) string { return seqBase + fmt.Sprintf("%020d", n) }

func parseSeq(s string) (uint64, bool) {
	if len(s) != 21 || s[0] != '1' {
		return 0, false
	}
	n, err := strconv.ParseUint(s[1:], 10, 64)
	return n, err == nil
}

// streamDef is a stream's persisted definition.
type streamDef struct {
	ID        uint32    `json:"id"`
	Table     string    `json:"table"`
	TableID   uint32    `json:"tableId"`
	Label     string    `json:"label"`
	ViewType  string    `json:"view"`
	Key       keySchema `json:"key"`
	Created   float64   `json:"created"`
	Enabled   bool      `json:"enabled"`
	Disabled  float64   `json:"disabled,omitempty"` // when it was disabled
	NextShard uint32    `json:"nextShard"`
}

// shardDef is a shard's persisted definition.
type shardDef struct {
	Idx     uint32 `json:"idx"`
	ID      string `json:"id"`
	Parent  string `json:"parent,omitempty"`
	Start   uint64 `json:"start"`
	End     uint64 `json:"end,omitempty"` // 0 while open
	HashLo  uint32 `json:"lo"`
	HashHi  uint32 `json:"hi"`      // inclusive
	Created int64  `json:"created"` // unix nanos
	Closed  int64  `json:"closed,omitempty"`
	// Trimmed is the first sequence number retention kept; persisted so
	// that restarts neither resurrect trimmed positions nor reuse
	// sequence numbers.
	Trimmed uint64 `json:"trimmed,omitempty"`
}

// liveShard is a shard plus what the engine tracks about it in memory.
type liveShard struct {
	shardDef
	trimmed uint64 // records below this sequence number are gone
}

func newLiveShard(d shardDef) *liveShard {
	sh := &liveShard{shardDef: d, trimmed: d.Start}
	if d.Trimmed > sh.trimmed {
		sh.trimmed = d.Trimmed
	}
	return sh
}

// stream is a live stream. Its shard list changes only under the commit
// lock and is read under mu.
type stream struct {
	mu     sync.RWMutex
	def    streamDef
	arn    string
	shards []*liveShard // in creation order, which is also ShardId order
}

func (s *stream) openShardFor(hash uint32) *liveShard {
	for _, sh := range s.shards {
		if sh.End == 0 && hash >= sh.HashLo && hash <= sh.HashHi {
			return sh
		}
	}
	return nil
}

func (s *stream) shardByID(id string) *liveShard {
	for _, sh := range s.shards {
		if sh.ID == id {
			return sh
		}
	}
	return nil
}

// shardCopy returns a copy of the shard named id, read under the stream's
// lock so that the caller sees one consistent state of it, or
// ResourceNotFound.
func (s *stream) shardCopy(id string) (liveShard, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh := s.shardByID(id)
	if sh == nil {
		return liveShard{}, ddberr.New(ddberr.ResourceNotFound, "Requested resource not found: Shard does not exist")
	}
	return *sh, nil
}

// streamState is the engine's stream registry.
type streamState struct {
	mu      sync.RWMutex // guards byArn, byID, and nextID
	byArn   map[string]*stream
	byTable map[uint32]*stream // enabled stream of each table, by table ID
	nextID  uint32
	seq     uint64 // last sequence number handed out; guarded by commitMu
	// waiters are the in-process consumers waiting for records (see
	// streams_notify.go).
	waiters streamWaiters
}

func newStreamState() *streamState {
	return &streamState{byArn: map[string]*stream{}, byTable: map[uint32]*stream{}, nextID: 1}
}

// streamLabel returns a new stream label: the creation time in ISO-8601 with
// milliseconds, as DynamoDB labels streams.
func (e *Engine) streamLabel() string {
	return e.now().UTC().Format("2006-01-02T15:04:05.000")
}

func (e *Engine) streamArn(table, label string) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/%s", e.opts.Region, e.opts.AccountID, table, label)
}

// updateStreamSpec applies an UpdateTable StreamSpecification to m.
func (e *Engine) updateStreamSpec(m *tableMeta, spec *wireStreamSpecification) error {
	if spec.StreamEnabled == nil {
		return invalidParam("StreamEnabled must be specified in StreamSpecification")
	}
	if *spec.StreamEnabled {
		if err := validateViewType(spec.StreamViewType); err != nil {
			return err
		}
		if m.Stream.Enabled {
			return invalidParam("Table already has an enabled stream: %s", e.streamArn(m.Name, m.Stream.Label))
		}
		label := e.uniqueStreamLabel(m.Name, m.Stream.Label)
		m.Stream = streamMeta{Enabled: true, ViewType: spec.StreamViewType, Label: label}
		return nil
	}
	if spec.StreamViewType != "" {
		return invalidParam("StreamViewType cannot be specified when StreamEnabled is false")
	}
	if !m.Stream.Enabled {
		return invalidParam("Table already has no enabled stream")
	}
	m.Stream.Enabled = false
	return nil
}

// uniqueStreamLabel returns a label for a new stream of table that is later
// than prev and differs from every stream the engine still knows for that
// table name (a deleted and re-created table keeps its old streams for the
// retention period, and two streams must never share an ARN).
func (e *Engine) uniqueStreamLabel(table, prev string) string {
	label := e.streamLabel()
	if label <= prev {
		label = nextLabel(prev)
	}
	for {
		e.streams.mu.RLock()
		_, taken := e.streams.byArn[e.streamArn(table, label)]
		e.streams.mu.RUnlock()
		if !taken {
			return label
		}
		label = nextLabel(label)
	}
}

// nextLabel returns a label one millisecond after label.
func nextLabel(label string) string {
	t, err := time.Parse("2006-01-02T15:04:05.000", label)
	if err != nil {
		return label + "1"
	}
	return t.Add(time.Millisecond).Format("2006-01-02T15:04:05.000")
}

// streamTransition reconciles streams with a table change (old or new may be
// nil for create and delete). The caller holds the commit lock.
func (e *Engine) streamTransition(ctx context.Context, old, m *tableMeta) error {
	var oldLabel string
	if old != nil && old.Stream.Enabled {
		oldLabel = old.Stream.Label
	}
	var newLabel string
	if m != nil && m.Stream.Enabled {
		newLabel = m.Stream.Label
	}
	if oldLabel == newLabel {
		return nil
	}
	var b storage.Batch
	closed := uint32(0)
	if oldLabel != "" {
		closed = e.closeStream(&b, old)
	}
	if newLabel != "" {
		e.openStream(&b, m)
	}
	if err := e.store.Apply(ctx, &b); err != nil {
		return err
	}
	if closed != 0 {
		// Its shards closed: readers finish them.
		e.streams.waiters.wakeStream(closed)
	}
	return e.syncApplied(ctx)
}

func (e *Engine) openStream(b *storage.Batch, m *tableMeta) {
	ss := e.streams
	ss.mu.Lock()
	id := ss.nextID
	ss.nextID++
	ss.mu.Unlock()
	now := e.now()
	s := &stream{
		def: streamDef{ID: id, Table: m.Name, TableID: m.ID, Label: m.Stream.Label, ViewType: m.Stream.ViewType,
			Key: m.Key, Created: float64(now.UnixMilli()) / 1000, Enabled: true},
		arn: e.streamArn(m.Name, m.Stream.Label),
	}
	n := uint64(e.opts.Streams.Shards)
	for i := uint64(0); i < n; i++ {
		lo := uint32(i << 32 / n)
		hi := uint32((i+1)<<32/n - 1)
		e.addShard(b, s, "", lo, hi, now)
	}
	e.putStreamDef(b, s)
	ss.mu.Lock()
	ss.byArn[s.arn] = s
	ss.byTable[m.ID] = s
	ss.mu.Unlock()
}

// addShard creates an open shard of s. The caller holds the commit lock.
func (e *Engine) addShard(b *storage.Batch, s *stream, parent string, lo, hi uint32, now time.Time) *liveShard {
	idx := s.def.NextShard
	s.def.NextShard++
	sh := newLiveShard(shardDef{
		Idx:     idx,
		ID:      fmt.Sprintf("shardId-%020d-%08x", now.UnixMilli(), idx),
		Parent:  parent,
		Start:   e.streams.seq + 1,
		HashLo:  lo,
		HashHi:  hi,
		Created: now.UnixNano(),
	})
	s.mu.Lock()
	s.shards = append(s.shards, sh)
	s.mu.Unlock()
	putShardDef(b, s.def.ID, sh)
	return sh
}

func (e *Engine) putStreamDef(b *storage.Batch, s *stream) {
	raw, _ := json.Marshal(s.def)
	b.Set(streamDefKey(s.def.ID), raw)
}

func putShardDef(b *storage.Batch, streamID uint32, sh *liveShard) {
	raw, _ := json.Marshal(sh.shardDef)
	b.Set(shardDefKey(streamID, sh.Idx), raw)
}

func streamDefKey(id uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{prefixStream}, id)
}

func shardDefKey(streamID, idx uint32) []byte {
	k := binary.BigEndian.AppendUint32([]byte{prefixShard}, streamID)
	return binary.BigEndian.AppendUint32(k, idx)
}

func recordPrefix(streamID, idx uint32) []byte {
	k := binary.BigEndian.AppendUint32([]byte{prefixRecord}, streamID)
	return binary.BigEndian.AppendUint32(k, idx)
}

func recordKey(streamID, idx uint32, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(recordPrefix(streamID, idx), seq)
}

// closeStream disables a table's stream: its open shards are closed and it
// stays readable until retention removes it. It returns the stream's id (0:
// the table had no live stream).
func (e *Engine) closeStream(b *storage.Batch, m *tableMeta) uint32 {
	ss := e.streams
	ss.mu.Lock()
	s := ss.byTable[m.ID]
	delete(ss.byTable, m.ID)
	ss.mu.Unlock()
	if s == nil {
		return 0
	}
	now := e.now()
	s.mu.Lock()
	for _, sh := range s.shards {
		if sh.End == 0 {
			e.closeShardLocked(sh, now)
			putShardDef(b, s.def.ID, sh)
		}
	}
	s.def.Enabled = false
	s.def.Disabled = float64(now.UnixMilli()) / 1000
	s.mu.Unlock()
	e.putStreamDef(b, s)
	return s.def.ID
}

// closeShardLocked closes sh at the current sequence number. The caller
// holds the commit lock and s.mu.
func (e *Engine) closeShardLocked(sh *liveShard, now time.Time) {
	end := e.streams.seq
	if end < sh.Start {
		end = sh.Start
	}
	sh.End = end
	sh.Closed = now.UnixNano()
}

// streamRecord is the wire shape of one stream record.
type streamRecord struct {
	EventID      string          `json:"eventID"`
	EventName    string          `json:"eventName"`
	EventVersion string          `json:"eventVersion"`
	EventSource  string          `json:"eventSource"`
	AwsRegion    string          `json:"awsRegion"`
	Dynamodb     streamRecordDDB `json:"dynamodb"`
	UserIdentity *struct {
		PrincipalID string `json:"PrincipalId"`
		Type        string `json:"Type"`
	} `json:"userIdentity,omitempty"`
}

type streamRecordDDB struct {
	ApproximateCreationDateTime float64   `json:"ApproximateCreationDateTime"`
	Keys                        attr.Item `json:"Keys"`
	NewImage                    attr.Item `json:"NewImage,omitempty"`
	OldImage                    attr.Item `json:"OldImage,omitempty"`
	SequenceNumber              string    `json:"SequenceNumber"`
	SizeBytes                   int64     `json:"SizeBytes"`
	StreamViewType              string    `json:"StreamViewType"`
}

// stageStreamRecords appends one stream record per changed item to b, in
// the batch that commits the items, so records exist exactly for committed
// modifications, and returns the shards it wrote to: the caller wakes
// their waiters once b is applied. The caller holds the commit lock. An
// error (no open shard for an item, a record that cannot be encoded) is an
// engine fault: the caller must not apply b, since a committed change
// without its record would break "exactly one record per modification".
func (e *Engine) stageStreamRecords(b *storage.Batch, changed []*mutation) ([]shardRef, error) {
	var touched []shardRef
	ss := e.streams
	now := e.now()
	for _, mu := range changed {
		ss.mu.RLock()
		s := ss.byTable[mu.m.ID]
		ss.mu.RUnlock()
		if s == nil {
			continue
		}
		keyItem := attr.Item{}
		src := mu.new
		if src == nil {
			src = mu.old
		}
		for _, n := range mu.m.Key.names() {
			keyItem[n] = src[n]
		}
		hash := partitionHash(attr.AppendKey(nil, keyItem[mu.m.Key.Hash.Name]))
		s.mu.RLock()
		sh := s.openShardFor(hash)
		s.mu.RUnlock()
		if sh == nil {
			return nil, fmt.Errorf("ddblocal: no open shard for hash %d in stream %s", hash, s.arn)
		}
		ss.seq++
		seq := ss.seq
		rec := streamRecord{
			EventID:      fmt.Sprintf("%016x%016x", uint64(now.UnixNano()), seq),
			EventVersion: "1.1",
			EventSource:  "aws:dynamodb",
			AwsRegion:    e.opts.Region,
			Dynamodb: streamRecordDDB{
				ApproximateCreationDateTime: float64(now.Unix()),
				Keys:                        keyItem,
				SequenceNumber:              formatSeq(seq),
				StreamViewType:              s.def.ViewType,
			},
		}
		switch {
		case mu.old == nil:
			rec.EventName = "INSERT"
		case mu.new == nil:
			rec.EventName = "REMOVE"
		default:
			rec.EventName = "MODIFY"
		}
		size := attr.ItemSize(keyItem)
		if (s.def.ViewType == "NEW_IMAGE" || s.def.ViewType == "NEW_AND_OLD_IMAGES") && mu.new != nil {
			rec.Dynamodb.NewImage = mu.new
			size += attr.ItemSize(mu.new)
		}
		if (s.def.ViewType == "OLD_IMAGE" || s.def.ViewType == "NEW_AND_OLD_IMAGES") && mu.old != nil {
			rec.Dynamodb.OldImage = mu.old
			size += attr.ItemSize(mu.old)
		}
		rec.Dynamodb.SizeBytes = int64(size)
		if mu.ttlDelete {
			rec.UserIdentity = &struct {
				PrincipalID string `json:"PrincipalId"`
				Type        string `json:"Type"`
			}{"dynamodb.amazonaws.com", "Service"}
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("ddblocal: encoding a stream record: %w", err)
		}
		val := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(raw)), uint64(now.UnixNano()))
		b.Set(recordKey(s.def.ID, sh.Idx, seq), append(val, raw...))
		touched = addTouched(touched, shardRef{stream: s.def.ID, shard: sh.Idx})
	}
	return touched, nil
}
