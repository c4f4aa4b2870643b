package ddblocal

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// Streams API limits.
const (
	maxGetRecords      = 1000
	maxGetRecordsBytes = 1 << 20
	maxDescribeShards  = 100
	maxListStreams     = 100
)

type listStreamsInput struct {
	TableName               *string `json:"TableName"`
	Limit                   *int    `json:"Limit"`
	ExclusiveStartStreamArn *string `json:"ExclusiveStartStreamArn"`
}

type wireStreamSummary struct {
	StreamArn   string `json:"StreamArn"`
	StreamLabel string `json:"StreamLabel"`
	TableName   string `json:"TableName"`
}

type listStreamsOutput struct {
	Streams                []wireStreamSummary `json:"Streams"`
	LastEvaluatedStreamArn string              `json:"LastEvaluatedStreamArn,omitempty"`
}

func (e *Engine) listStreams(ctx context.Context, body []byte) (any, error) {
	var in listStreamsInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v violations
	limit := v.limit(in.Limit, maxListStreams)
	if in.TableName != nil {
		v.name(*in.TableName, "tableName", true)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	e.streams.mu.RLock()
	all := make([]*stream, 0, len(e.streams.byArn))
	for _, s := range e.streams.byArn {
		if in.TableName == nil || s.def.Table == *in.TableName {
			all = append(all, s)
		}
	}
	e.streams.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool { return all[i].arn < all[j].arn })
	out := listStreamsOutput{Streams: []wireStreamSummary{}}
	start := 0
	if in.ExclusiveStartStreamArn != nil {
		start = sort.Search(len(all), func(i int) bool { return all[i].arn > *in.ExclusiveStartStreamArn })
	}
	for i := start; i < len(all); i++ {
		if len(out.Streams) == limit {
			out.LastEvaluatedStreamArn = out.Streams[limit-1].StreamArn
			break
		}
		s := all[i]
		out.Streams = append(out.Streams, wireStreamSummary{StreamArn: s.arn, StreamLabel: s.def.Label, TableName: s.def.Table})
	}
	return out, nil
}

type describeStreamInput struct {
	StreamArn             string  `json:"StreamArn"`
	Limit                 *int    `json:"Limit"`
	ExclusiveStartShardId *string `json:"ExclusiveStartShardId"`
}

type wireSeqRange struct {
	StartingSequenceNumber string `json:"StartingSequenceNumber,omitempty"`
	EndingSequenceNumber   string `json:"EndingSequenceNumber,omitempty"`
}

type wireShard struct {
	ShardId             string       `json:"ShardId"`
	ParentShardId       string       `json:"ParentShardId,omitempty"`
	SequenceNumberRange wireSeqRange `json:"SequenceNumberRange"`
}

type wireStreamDescription struct {
	StreamArn               string                 `json:"StreamArn"`
	StreamLabel             string                 `json:"StreamLabel"`
	StreamStatus            string                 `json:"StreamStatus"`
	StreamViewType          string                 `json:"StreamViewType"`
	CreationRequestDateTime float64                `json:"CreationRequestDateTime"`
	TableName               string                 `json:"TableName"`
	KeySchema               []wireKeySchemaElement `json:"KeySchema"`
	Shards                  []wireShard            `json:"Shards"`
	LastEvaluatedShardId    string                 `json:"LastEvaluatedShardId,omitempty"`
}

func (e *Engine) streamByArn(arn string) (*stream, error) {
	if len(arn) < 37 || len(arn) > 1024 {
		return nil, constraintError(arn, "streamArn", "Member must have length between 37 and 1024")
	}
	e.streams.mu.RLock()
	s := e.streams.byArn[arn]
	e.streams.mu.RUnlock()
	if s == nil {
		return nil, ddberr.New(ddberr.ResourceNotFound, "Requested resource not found: Stream: %s not found", arn)
	}
	return s, nil
}

func (e *Engine) describeStream(ctx context.Context, body []byte) (any, error) {
	var in describeStreamInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v violations
	v.streamArn(in.StreamArn)
	limit := v.limit(in.Limit, maxDescribeShards)
	if err := v.err(); err != nil {
		return nil, err
	}
	s, err := e.streamByArn(in.StreamArn)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	status := "ENABLED"
	if !s.def.Enabled {
		status = "DISABLED"
	}
	d := wireStreamDescription{
		StreamArn:               s.arn,
		StreamLabel:             s.def.Label,
		StreamStatus:            status,
		StreamViewType:          s.def.ViewType,
		CreationRequestDateTime: s.def.Created,
		TableName:               s.def.Table,
		KeySchema:               wireKeys(s.def.Key),
		Shards:                  []wireShard{},
	}
	shards := append([]*liveShard(nil), s.shards...)
	sort.Slice(shards, func(i, j int) bool { return shards[i].ID < shards[j].ID })
	for _, sh := range shards {
		if in.ExclusiveStartShardId != nil && sh.ID <= *in.ExclusiveStartShardId {
			continue
		}
		if len(d.Shards) == limit {
			d.LastEvaluatedShardId = d.Shards[limit-1].ShardId
			break
		}
		ws := wireShard{ShardId: sh.ID, ParentShardId: sh.Parent, SequenceNumberRange: wireSeqRange{StartingSequenceNumber: formatSeq(sh.Start)}}
		if sh.End != 0 {
			ws.SequenceNumberRange.EndingSequenceNumber = formatSeq(sh.End)
		}
		d.Shards = append(d.Shards, ws)
	}
	return struct {
		StreamDescription wireStreamDescription `json:"StreamDescription"`
	}{d}, nil
}

type getShardIteratorInput struct {
	StreamArn         string  `json:"StreamArn"`
	ShardId           string  `json:"ShardId"`
	ShardIteratorType string  `json:"ShardIteratorType"`
	SequenceNumber    *string `json:"SequenceNumber"`
}

// shardIterator is the decoded form of an opaque iterator: a position in a
// shard and when it was issued. Iterators are authenticated with a per-engine
// key so a client cannot forge positions.
type shardIterator struct {
	arn     string
	shardID string
	pos     uint64 // next sequence number to return
	issued  time.Time
}

func (e *Engine) encodeIterator(it shardIterator) string {
	var b []byte
	b = binary.BigEndian.AppendUint64(b, it.pos)
	b = binary.BigEndian.AppendUint64(b, uint64(it.issued.UnixNano()))
	b = append(b, it.arn...)
	b = append(b, '|')
	b = append(b, it.shardID...)
	mac := hmac.New(sha256.New, e.iterKey)
	mac.Write(b)
	b = append(b, mac.Sum(nil)[:16]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (e *Engine) decodeIterator(s string) (shardIterator, error) {
	bad := ddberr.Validationf("Invalid ShardIterator")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 16+16+3 {
		return shardIterator{}, bad
	}
	body, sum := raw[:len(raw)-16], raw[len(raw)-16:]
	mac := hmac.New(sha256.New, e.iterKey)
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil)[:16], sum) {
		return shardIterator{}, bad
	}
	pos := binary.BigEndian.Uint64(body)
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(body[8:])))
	rest := string(body[16:])
	i := strings.LastIndexByte(rest, '|')
	if i < 0 {
		return shardIterator{}, bad
	}
	return shardIterator{arn: rest[:i], shardID: rest[i+1:], pos: pos, issued: issued}, nil
}

func newIteratorKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

func (e *Engine) getShardIterator(ctx context.Context, body []byte) (any, error) {
	var in getShardIteratorInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v violations
	v.streamArn(in.StreamArn)
	if len(in.ShardId) < 28 || len(in.ShardId) > 65 {
		v.add(in.ShardId, "shardId", "Member must have length between 28 and 65")
	}
	if v.required(in.ShardIteratorType, "shardIteratorType") {
		v.enum(in.ShardIteratorType, "shardIteratorType", "AFTER_SEQUENCE_NUMBER", "LATEST", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	s, err := e.streamByArn(in.StreamArn)
	if err != nil {
		return nil, err
	}
	shard, err := s.shardCopy(in.ShardId)
	if err != nil {
		return nil, err
	}
	var pos uint64
	needSeq := in.ShardIteratorType == "AT_SEQUENCE_NUMBER" || in.ShardIteratorType == "AFTER_SEQUENCE_NUMBER"
	if needSeq && in.SequenceNumber == nil {
		return nil, ddberr.Validationf("Must specify a SequenceNumber when ShardIteratorType is %s", in.ShardIteratorType)
	}
	if !needSeq && in.SequenceNumber != nil {
		return nil, ddberr.Validationf("Must not specify a SequenceNumber when ShardIteratorType is %s", in.ShardIteratorType)
	}
	switch in.ShardIteratorType {
	case "TRIM_HORIZON":
		pos = shard.trimmed
	case "LATEST":
		e.commitMu.Lock()
		pos = e.streams.seq + 1
		e.commitMu.Unlock()
		if shard.End != 0 {
			pos = shard.End + 1
		}
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		n, ok := parseSeq(*in.SequenceNumber)
		if !ok || n < shard.Start || (shard.End != 0 && n > shard.End) {
			return nil, ddberr.Validationf("Invalid SequenceNumber for ShardId %s: %s", in.ShardId, *in.SequenceNumber)
		}
		pos = n
		if in.ShardIteratorType == "AFTER_SEQUENCE_NUMBER" {
			pos = n + 1
		}
		// Only the position to read from must survive retention: a
		// checkpoint whose record was trimmed can still resume after it.
		if pos < shard.trimmed {
			return nil, ddberr.New(ddberr.TrimmedDataAccess, "The operation attempted to read past the oldest stream record in a shard.")
		}
	default:
		return nil, constraintError(in.ShardIteratorType, "shardIteratorType", "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]")
	}
	return struct {
		ShardIterator string `json:"ShardIterator"`
	}{e.encodeIterator(shardIterator{arn: s.arn, shardID: shard.ID, pos: pos, issued: e.now()})}, nil
}

type getRecordsInput struct {
	ShardIterator string `json:"ShardIterator"`
	Limit         *int   `json:"Limit"`
}

func (e *Engine) getRecords(ctx context.Context, body []byte) (any, error) {
	var in getRecordsInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v violations
	limit := v.limit(in.Limit, maxGetRecords)
	if in.ShardIterator == "" || len(in.ShardIterator) > 2048 {
		v.add("...", "shardIterator", "Member must have length between 1 and 2048")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	it, err := e.decodeIterator(in.ShardIterator)
	if err != nil {
		return nil, err
	}
	now := e.now()
	if now.Sub(it.issued) > e.opts.Streams.IteratorTTL {
		return nil, ddberr.New(ddberr.ExpiredIterator, "Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			it.issued.UTC().Format(time.RFC1123), now.UTC().Format(time.RFC1123), e.opts.Streams.IteratorTTL.Milliseconds())
	}
	s, err := e.streamByArn(it.arn)
	if err != nil {
		return nil, err
	}
	// Read the shard's state before the snapshot: every record up to a
	// closed shard's End was applied before it closed, so the snapshot
	// holds all of them.
	shard, err := s.shardCopy(it.shardID)
	if err != nil {
		return nil, err
	}
	if it.pos < shard.trimmed {
		return nil, ddberr.New(ddberr.TrimmedDataAccess, "The operation attempted to read past the oldest stream record in a shard.")
	}
	snap := e.store.Snapshot()
	defer snap.Close()
	lower := recordKey(s.def.ID, shard.Idx, it.pos)
	upper := prefixEnd(recordPrefix(s.def.ID, shard.Idx))
	iter := snap.Iter(lower, upper, false)
	var out bytes.Buffer
	out.WriteString(`{"Records":[`)
	n, size := 0, 0
	next := it.pos
	exhausted := false
	for {
		if n >= limit || size >= maxGetRecordsBytes {
			break
		}
		if !iter.Next() {
			exhausted = true
			break
		}
		k, v := iter.Key(), iter.Value()
		if len(v) < 8 {
			continue
		}
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		// The page stays within 1 MB; a record that would cross it is
		// left for the next call (but a page holds at least one record).
		if n > 0 && size+len(v)-8 > maxGetRecordsBytes {
			break
		}
		if n > 0 {
			out.WriteByte(',')
		}
		out.Write(v[8:])
		size += len(v) - 8
		n++
		next = seq + 1
	}
	if err := iter.Close(); err != nil {
		return nil, err
	}
	out.WriteByte(']')
	// A closed shard ends once everything in it was read; an open one never
	// does, even when it has nothing new.
	if shard.End == 0 || (!exhausted && next <= shard.End) {
		out.WriteString(`,"NextShardIterator":`)
		out.WriteString(strconv.Quote(e.encodeIterator(shardIterator{arn: it.arn, shardID: it.shardID, pos: next, issued: now})))
	}
	out.WriteByte('}')
	return rawJSON(out.Bytes()), nil
}
