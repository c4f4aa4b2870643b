package ddblocal

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
)

// loadStreams restores streams, shards and the sequence counter from the
// store, and recomputes each shard's trim point.
func (e *Engine) loadStreams(snap storage.Snapshot) error {
	ss := e.streams
	it := snap.Iter([]byte{prefixStream}, []byte{prefixStream + 1}, false)
	for it.Next() {
		var d streamDef
		if err := json.Unmarshal(it.Value(), &d); err != nil {
			_ = it.Close()
			return fmt.Errorf("ddblocal: corrupt stream definition: %w", err)
		}
		s := &stream{def: d, arn: e.streamArn(d.Table, d.Label)}
		ss.byArn[s.arn] = s
		if d.Enabled {
			ss.byTable[d.TableID] = s
		}
		if d.ID >= ss.nextID {
			ss.nextID = d.ID + 1
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	byID := map[uint32]*stream{}
	for _, s := range ss.byArn {
		byID[s.def.ID] = s
	}
	it = snap.Iter([]byte{prefixShard}, []byte{prefixShard + 1}, false)
	for it.Next() {
		k := it.Key()
		if len(k) != 9 {
			continue
		}
		s := byID[binary.BigEndian.Uint32(k[1:5])]
		if s == nil {
			continue
		}
		var d shardDef
		if err := json.Unmarshal(it.Value(), &d); err != nil {
			_ = it.Close()
			return fmt.Errorf("ddblocal: corrupt shard definition: %w", err)
		}
		sh := newLiveShard(d)
		s.shards = append(s.shards, sh)
		for _, floor := range []uint64{d.End, d.Start, sh.trimmed} {
			if floor > 0 && floor-1 > ss.seq {
				ss.seq = floor - 1
			}
		}
		if d.End > ss.seq {
			ss.seq = d.End
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, s := range ss.byArn {
		for _, sh := range s.shards {
			p := recordPrefix(s.def.ID, sh.Idx)
			last := snap.Iter(p, prefixEnd(p), true)
			if last.Next() {
				k := last.Key()
				if seq := binary.BigEndian.Uint64(k[len(k)-8:]); seq > ss.seq {
					ss.seq = seq
				}
			}
			_ = last.Close()
		}
	}
	return nil
}

// loadIteratorKey returns the key that authenticates shard iterators,
// creating and persisting it on first use so iterators outlive restarts.
func (e *Engine) loadIteratorKey(ctx context.Context, snap storage.Snapshot) ([]byte, error) {
	k := []byte("kiter")
	if v, ok, err := snap.Get(k); err != nil {
		return nil, err
	} else if ok && len(v) == 32 {
		return append([]byte(nil), v...), nil
	}
	key := newIteratorKey()
	var b storage.Batch
	b.Set(k, key)
	if err := e.store.Apply(ctx, &b); err != nil {
		return nil, err
	}
	return key, e.syncApplied(ctx)
}

// maintainStreams runs shard rollover and retention until the engine
// closes.
func (e *Engine) maintainStreams() {
	defer e.bg.Done()
	// The engine is closing: waiting consumers must not wait for ever.
	defer e.streams.waiters.closeAll()
	e.every(e.opts.Streams.MaintenanceInterval, func() {
		if err := e.rollShards(e.life); err != nil {
			e.logBackground("shard rollover", err)
		}
		if err := e.trimStreams(e.life); err != nil {
			e.logBackground("stream trimming", err)
		}
	})
}

// every runs run at each tick of interval until the engine closes; the
// background loops (stream maintenance, TTL sweeps) are built on it.
func (e *Engine) every(interval time.Duration, run func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-e.closed:
			return
		case <-t.C:
			run()
		}
	}
}

// RollShards closes every open shard of every enabled stream and opens its
// children now, regardless of shard age. Tests use it to exercise lineage
// deterministically; the maintenance loop does the same on age.
func (e *Engine) RollShards(ctx context.Context) error { return e.roll(ctx, true) }

func (e *Engine) rollShards(ctx context.Context) error { return e.roll(ctx, false) }

func (e *Engine) roll(ctx context.Context, force bool) error {
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	now := e.now()
	var b storage.Batch
	var rolled []uint32
	e.streams.mu.RLock()
	streams := slices.Collect(maps.Values(e.streams.byTable))
	e.streams.mu.RUnlock()
	for _, s := range streams {
		s.mu.RLock()
		var due []*liveShard
		open := 0
		for _, sh := range s.shards {
			if sh.End != 0 {
				continue
			}
			open++
			if force || now.Sub(time.Unix(0, sh.Created)) >= e.opts.Streams.ShardLifetime {
				due = append(due, sh)
			}
		}
		s.mu.RUnlock()
		for _, sh := range due {
			s.mu.Lock()
			e.closeShardLocked(sh, now)
			s.mu.Unlock()
			putShardDef(&b, s.def.ID, sh)
			if e.opts.Streams.SplitOnRollover && open < e.opts.Streams.MaxOpenShards && sh.HashHi > sh.HashLo {
				mid := sh.HashLo + (sh.HashHi-sh.HashLo)/2
				e.addShard(&b, s, sh.ID, sh.HashLo, mid, now)
				e.addShard(&b, s, sh.ID, mid+1, sh.HashHi, now)
				open++
			} else {
				e.addShard(&b, s, sh.ID, sh.HashLo, sh.HashHi, now)
			}
		}
		if len(due) > 0 {
			e.putStreamDef(&b, s)
			rolled = append(rolled, s.def.ID)
		}
	}
	if b.Len() == 0 {
		return nil
	}
	if err := e.store.Apply(ctx, &b); err != nil {
		return err
	}
	for _, id := range rolled {
		// Readers of the closed shards finish them; consumers of the
		// whole stream meet the children.
		e.streams.waiters.wakeStream(id)
	}
	return e.syncApplied(ctx)
}

// trimStreams deletes records older than the retention period, forgets
// closed shards whose records are all gone, and forgets disabled streams
// once they have no shards left.
func (e *Engine) trimStreams(ctx context.Context) error {
	horizon := e.now().Add(-e.opts.Streams.Retention)
	e.streams.mu.RLock()
	streams := slices.Collect(maps.Values(e.streams.byArn))
	e.streams.mu.RUnlock()
	for _, s := range streams {
		s.mu.RLock()
		shards := append([]*liveShard(nil), s.shards...)
		s.mu.RUnlock()
		for _, sh := range shards {
			if err := e.trimShard(ctx, s, sh, horizon); err != nil {
				return err
			}
		}
		if err := e.forgetStreamIfEmpty(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// trimShard deletes up to 5000 of sh's records older than horizon and, once
// a closed shard is empty and closed before horizon, the shard itself. It
// runs under the commit lock, so shard state cannot change underneath it
// (RollShards and stream disabling also hold the lock) and readers see the
// trim point move together with the deletion.
func (e *Engine) trimShard(ctx context.Context, s *stream, sh *liveShard, horizon time.Time) error {
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	s.mu.RLock()
	def := sh.shardDef
	s.mu.RUnlock()
	snap := e.store.Snapshot()
	p := recordPrefix(s.def.ID, sh.Idx)
	it := snap.Iter(p, prefixEnd(p), false)
	var b storage.Batch
	var trimTo uint64
	capped := false
	for it.Next() {
		v := it.Value()
		if len(v) < 8 || time.Unix(0, int64(binary.BigEndian.Uint64(v))).After(horizon) {
			break
		}
		k := it.Key()
		b.Delete(append([]byte(nil), k...))
		trimTo = binary.BigEndian.Uint64(k[len(k)-8:]) + 1
		if b.Len() >= 5000 {
			capped = true
			break
		}
	}
	err := it.Close()
	_ = snap.Close()
	if err != nil {
		return err
	}
	// A shard with no records left and closed before the horizon
	// disappears, like DynamoDB's shards 24 h after closing.
	gone := !capped && def.End != 0 && def.Closed != 0 && time.Unix(0, def.Closed).Before(horizon)
	if gone {
		b.Delete(shardDefKey(s.def.ID, sh.Idx))
	} else if trimTo > def.Trimmed {
		def.Trimmed = trimTo
		raw, _ := json.Marshal(def)
		b.Set(shardDefKey(s.def.ID, sh.Idx), raw)
	}
	if b.Len() == 0 {
		return nil
	}
	if err := e.store.Apply(ctx, &b); err != nil {
		return err
	}
	s.mu.Lock()
	if trimTo > sh.trimmed {
		sh.trimmed = trimTo
		sh.Trimmed = trimTo
	}
	if gone {
		s.shards = removeShard(s.shards, sh)
	}
	s.mu.Unlock()
	if gone {
		e.streams.waiters.wakeStream(s.def.ID)
	}
	return nil
}

// forgetStreamIfEmpty removes a disabled stream whose shards have all
// expired.
func (e *Engine) forgetStreamIfEmpty(ctx context.Context, s *stream) error {
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	s.mu.RLock()
	empty, enabled := len(s.shards) == 0, s.def.Enabled
	s.mu.RUnlock()
	if !empty || enabled {
		return nil
	}
	var b storage.Batch
	b.Delete(streamDefKey(s.def.ID))
	if err := e.store.Apply(ctx, &b); err != nil {
		return err
	}
	e.streams.mu.Lock()
	delete(e.streams.byArn, s.arn)
	e.streams.mu.Unlock()
	return nil
}

func removeShard(shards []*liveShard, sh *liveShard) []*liveShard {
	out := shards[:0:0]
	for _, x := range shards {
		if x != sh {
			out = append(out, x)
		}
	}
	return out
}
