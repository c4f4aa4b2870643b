package loaders

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/stackgrow"
	"github.com/hubstream/hubstream/internal/table"
)

// MaxPageSize is the largest first/last a connection accepts.
const MaxPageSize = 100

// PageArgs are a connection's Relay arguments.
type PageArgs struct {
	First, Last   *int32
	After, Before *string
}

// Collection is one access pattern's key range, listed by Query.
type Collection struct {
	// Index is the GSI name, or "" for the table.
	Index string
	// PK is the partition key value; SKPrefix selects items by
	// begins_with on the sort key.
	PK, SKPrefix string
	// Ascending is the connection's natural order: true lists sort keys
	// ascending (oldest first), false descending (newest first).
	Ascending bool
	// Binding names the field and arguments the cursors belong to, e.g.
	// "Repository.issues/octo/hello/OPEN". A cursor from any other binding
	// is rejected.
	Binding string
	// Keep, when set, drops items the viewer must not see; pages are
	// refilled so they stay full and hasNextPage stays exact, up to a
	// bound on the items one page examines (maxScan).
	Keep func(map[string]types.AttributeValue) bool
	// Filter, when set, is Keep for decisions that need more reads (the
	// repository a star or fork link points to, the viewer's membership
	// of its owner): it is called once per batch of items Query returned
	// (after Keep), with the items in order, and returns which to keep.
	// Pages are refilled as with Keep.
	Filter func(ctx context.Context, items []map[string]types.AttributeValue) ([]bool, error)
}

// keep is a Collection.Keep that keeps the T items f accepts (and no
// other item).
func keep[T readmodel.Entity](f func(T) bool) func(Item) bool {
	return func(it Item) bool {
		v, ok := readmodel.Decode[T](it)
		return ok && f(v)
	}
}

// keep applies c's Keep and Filter to one batch of items Query returned.
func (c Collection) keep(ctx context.Context, batch []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	out := batch[:0:0]
	for _, it := range batch {
		if c.Keep == nil || c.Keep(it) {
			out = append(out, it)
		}
	}
	if c.Filter == nil || len(out) == 0 {
		return out, nil
	}
	ok, err := c.Filter(ctx, out)
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for i, it := range out {
		if i < len(ok) && ok[i] {
			kept = append(kept, it)
		}
	}
	return kept, nil
}

// rawPage is one page of a collection as Query read it: items, not yet
// decoded, in the connection's order.
type rawPage struct {
	Items   []map[string]types.AttributeValue
	Cursors []string
	HasNext bool
	HasPrev bool
	// Resume, when set, is the cursor of the last item the walk examined
	// before it stopped at its scan bound (maxScan) short of a full page:
	// the page ends there, in the walking direction, and more may follow.
	Resume   string
	resumed  bool // the walk stopped at its scan bound (Resume, if sealed)
	backward bool // walked with last/before
}

// maxScan bounds how many items one page of a filtered collection
// (Keep, Filter) examines: without it, a page whose items are nearly all
// dropped (a user's stars of repositories gone private) would read the
// whole collection, and so would every request for it. A page that reaches
// the bound short of n items is returned as it is, with a cursor to resume
// from after the last examined item (rawPage.Resume): pages may then hold
// fewer than n items, but every kept item is listed once, in order.
func maxScan(n int) int { return 10 * (n + 1) }

// Page is one page of a connection of T (a read model struct), in the
// connection's order; Cursors[i] is Items[i]'s.
//
// StartCursor and EndCursor are the cursors of the page's first and last
// read items even when decoding dropped them (counter residue, an item of
// another type): any cursor of the collection is a valid place to continue
// from, so a client never re-reads dropped items nor gets stuck on a page
// whose items were all dropped while HasNext is true. Both are "" for an
// empty page, unless the walk stopped at its scan bound (maxScan): then
// the far end is the last item examined, and HasNext (HasPrev walking
// backwards) is true. Under WithCursors(ctx, false) every cursor is "".
type Page[T any] struct {
	Items                  []T
	Cursors                []string
	StartCursor, EndCursor string
	HasNext, HasPrev       bool
}

// decodePage decodes the items of raw that are T items and drops the
// others.
func decodePage[T readmodel.Entity](raw rawPage) Page[T] {
	p := Page[T]{HasNext: raw.HasNext, HasPrev: raw.HasPrev}
	if len(raw.Items) > 0 {
		// Sized once: growing them by append copied the (large) items
		// log2(n) times, the largest allocation of a page's decoding.
		p.Items, p.Cursors = make([]T, 0, len(raw.Items)), make([]string, 0, len(raw.Items))
	}
	for i, it := range raw.Items {
		if v, ok := readmodel.Decode[T](it); ok {
			p.Items = append(p.Items, v)
			p.Cursors = append(p.Cursors, raw.Cursors[i])
		}
	}
	if n := len(raw.Cursors); n > 0 {
		p.StartCursor, p.EndCursor = raw.Cursors[0], raw.Cursors[n-1]
	}
	if raw.resumed {
		// The walk stopped early: the page's far end, in the walking
		// direction, is the last examined item.
		if raw.backward {
			p.StartCursor, p.HasPrev = raw.Resume, true
			if p.EndCursor == "" {
				p.EndCursor = raw.Resume
			}
		} else {
			p.EndCursor, p.HasNext = raw.Resume, true
			if p.StartCursor == "" {
				p.StartCursor = raw.Resume
			}
		}
	}
	return p
}

// queryPage is query decoding the page as T items.
func queryPage[T readmodel.Entity](ctx context.Context, p *Pager, c Collection, a PageArgs) (Page[T], error) {
	raw, err := p.query(ctx, c, a)
	if err != nil {
		return Page[T]{}, err
	}
	return decodePage[T](raw), nil
}

// Pager runs connection queries and issues their cursors: AES-GCM
// sealed, so they are opaque and tamper-evident, with the collection's
// binding as additional data, so a cursor cannot be replayed on another
// connection or with other arguments.
type Pager struct {
	db    *dynamodb.Client
	table string
	aead  cipher.AEAD
}

// NewPager returns a Pager over tableName sealing cursors with key (16, 24
// or 32 bytes).
func NewPager(db *dynamodb.Client, tableName string, key []byte) (*Pager, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("loaders: cursor key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Pager{db: db, table: tableName, aead: aead}, nil
}

var errBadCursor = entities.BadInput("cursor", "the cursor is invalid or belongs to another connection")

func (p *Pager) seal(binding string, key map[string]types.AttributeValue) (string, error) {
	plain := map[string]string{}
	for k, v := range key {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("loaders: non-string key attribute %s", k)
		}
		plain[k] = s.Value
	}
	raw, err := json.Marshal(plain)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, p.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(p.aead.Seal(nonce, nonce, raw, []byte(binding))), nil
}

func (p *Pager) open(binding, cursor string) (map[string]types.AttributeValue, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) < p.aead.NonceSize() {
		return nil, errBadCursor
	}
	n := p.aead.NonceSize()
	plain, err := p.aead.Open(nil, raw[:n], raw[n:], []byte(binding))
	if err != nil {
		return nil, errBadCursor
	}
	var m map[string]string
	if err := json.Unmarshal(plain, &m); err != nil {
		return nil, errBadCursor
	}
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = &types.AttributeValueMemberS{Value: v}
	}
	return out, nil
}

// CheckEmpty validates a for a connection known to be empty without a read
// (e.g. of a label that does not exist): its Relay arguments as for any
// page, and no cursor, since such a connection never issued one
// (BAD_USER_INPUT, as for a cursor of another connection).
func (a PageArgs) CheckEmpty() error {
	if _, _, err := checkArgs(a); err != nil {
		return err
	}
	if a.After != nil || a.Before != nil {
		return errBadCursor
	}
	return nil
}

// checkArgs validates Relay arguments: exactly one of first and last, in
// 1..MaxPageSize; after only with first, before only with last.
func checkArgs(a PageArgs) (n int, backward bool, err error) {
	switch {
	case a.First != nil && a.Last != nil:
		return 0, false, entities.BadInput("first", "passing both first and last is not supported")
	case a.First == nil && a.Last == nil:
		return 0, false, entities.BadInput("first", "you must provide a first or last value to paginate")
	case a.First != nil && a.Before != nil:
		return 0, false, entities.BadInput("before", "before can only be used with last")
	case a.Last != nil && a.After != nil:
		return 0, false, entities.BadInput("after", "after can only be used with first")
	}
	field, v := "first", a.First
	if a.Last != nil {
		field, v, backward = "last", a.Last, true
	}
	if *v < 1 || *v > MaxPageSize {
		return 0, false, entities.BadInput(field, "must be between 1 and %d (got %d)", MaxPageSize, *v)
	}
	return int(*v), backward, nil
}

// query returns one page of c. With first/after it walks the natural order
// from after the cursor; with last/before it walks backwards from before
// the cursor and returns the page in natural order. It reads one item more
// than the page needs, so the "more" flag in the walking direction is
// exact.
func (p *Pager) query(ctx context.Context, c Collection, a PageArgs) (rawPage, error) {
	// Resolvers run on goroutines gqlgen starts per field: grow the stack
	// once for the SDK call rather than once per doubling.
	stackgrow.Grow()
	n, backward, err := checkArgs(a)
	if err != nil {
		return rawPage{}, err
	}
	var start map[string]types.AttributeValue
	if cur := a.After; backward {
		cur = a.Before
		if cur != nil {
			if start, err = p.open(c.Binding, *cur); err != nil {
				return rawPage{}, err
			}
		}
	} else if cur != nil {
		if start, err = p.open(c.Binding, *cur); err != nil {
			return rawPage{}, err
		}
	}
	pkName, skName := table.AttrPK, table.AttrSK
	if c.Index != "" {
		pkName, skName = c.Index+"PK", c.Index+"SK"
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(p.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames:  map[string]string{"#pk": pkName, "#sk": skName},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: c.PK}, ":prefix": &types.AttributeValueMemberS{Value: c.SKPrefix}},
		ScanIndexForward:          aws.Bool(c.Ascending != backward),
		ExclusiveStartKey:         start,
	}
	if c.Index != "" {
		in.IndexName = aws.String(c.Index)
	}
	var items []map[string]types.AttributeValue
	var resume map[string]types.AttributeValue
	for scanned := 0; len(items) <= n; {
		// Always a full page's worth (extra kept items are cut below and
		// read again by the next page): refills cost at most
		// maxScan(n)/(n+1) calls.
		in.Limit = aws.Int32(int32(n + 1))
		res, err := p.db.Query(ctx, in)
		if err != nil {
			return rawPage{}, fmt.Errorf("loaders: query %s: %w", c.Binding, err)
		}
		scanned += len(res.Items)
		kept, err := c.keep(ctx, res.Items)
		if err != nil {
			return rawPage{}, err
		}
		items = append(items, kept...)
		if res.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
		if len(items) <= n && scanned >= maxScan(n) {
			resume = res.LastEvaluatedKey
			break
		}
	}
	sealing := cursorsWanted(ctx)
	page := rawPage{backward: backward, resumed: resume != nil}
	if resume != nil && sealing {
		if page.Resume, err = p.seal(c.Binding, resume); err != nil {
			return rawPage{}, err
		}
	}
	more := len(items) > n
	if more {
		items = items[:n]
	}
	if backward {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
		page.HasPrev, page.HasNext = more, a.Before != nil
	} else {
		page.HasNext, page.HasPrev = more, a.After != nil
	}
	page.Items = items
	page.Cursors = make([]string, len(items))
	if !sealing {
		return page, nil
	}
	for i, it := range items {
		key := map[string]types.AttributeValue{table.AttrPK: it[table.AttrPK], table.AttrSK: it[table.AttrSK]}
		if c.Index != "" {
			key[pkName], key[skName] = it[pkName], it[skName]
		}
		if page.Cursors[i], err = p.seal(c.Binding, key); err != nil {
			return rawPage{}, err
		}
	}
	return page, nil
}

// Count returns how many items of c its Keep and Filter keep: the exact
// totalCount of a connection whose items depend on the viewer. It reads the
// whole collection (Query pages of up to 1 MB, plus whatever Filter
// reads), so callers use it only when the count is asked for and no
// counter answers it.
func (p *Pager) Count(ctx context.Context, c Collection) (int, error) {
	pkName, skName := table.AttrPK, table.AttrSK
	if c.Index != "" {
		pkName, skName = c.Index+"PK", c.Index+"SK"
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(p.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames:  map[string]string{"#pk": pkName, "#sk": skName},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: c.PK}, ":prefix": &types.AttributeValueMemberS{Value: c.SKPrefix}},
	}
	if c.Index != "" {
		in.IndexName = aws.String(c.Index)
	}
	n := 0
	for {
		res, err := p.db.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("loaders: count %s: %w", c.Binding, err)
		}
		kept, err := c.keep(ctx, res.Items)
		if err != nil {
			return 0, err
		}
		n += len(kept)
		if res.LastEvaluatedKey == nil {
			return n, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// NewCursorKey returns a random 32-byte cursor key. Cursors sealed with
// it stop working when the process restarts; servers that must keep
// cursors valid across restarts (or replicas) pass a stable key.
func NewCursorKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails on supported platforms (crypto/rand docs)
	return k
}

// tokenAttr is the one attribute of a sealed token (SealToken); Query
// cursors hold key attributes instead, so neither opens as the other.
const tokenAttr = "token"

// SealToken seals value as an opaque cursor bound to binding, for
// connections that are not listed by Query (an aggregate's history, paged
// by version). OpenToken reverses it.
func (p *Pager) SealToken(binding, value string) (string, error) {
	return p.seal(binding, map[string]types.AttributeValue{tokenAttr: &types.AttributeValueMemberS{Value: value}})
}

// OpenToken returns the value sealed in cursor by SealToken with the same
// binding, or a BAD_USER_INPUT error for any other cursor.
func (p *Pager) OpenToken(binding, cursor string) (string, error) {
	m, err := p.open(binding, cursor)
	if err != nil {
		return "", err
	}
	v, ok := m[tokenAttr].(*types.AttributeValueMemberS)
	if !ok || len(m) != 1 {
		return "", errBadCursor
	}
	return v.Value, nil
}

// Sealing a cursor (AES-GCM over the item's key) was ~3.5 % of a
// repository page's CPU, for cursors most pages never show: a client
// listing `nodes` or `edges { node }` asks for none.
type noCursorsKey struct{}

// WithCursors returns ctx under which Pager queries seal their pages'
// cursors (want true, the default) or leave them "" (want false): for the
// resolver of a connection field that selects neither `edges { cursor }`
// nor `pageInfo`, and for lookups that only read a page's items. Whether
// a page has more items (HasNext, HasPrev) does not depend on it.
func WithCursors(ctx context.Context, want bool) context.Context {
	if want == cursorsWanted(ctx) {
		return ctx
	}
	return context.WithValue(ctx, noCursorsKey{}, !want)
}

func cursorsWanted(ctx context.Context) bool {
	no, _ := ctx.Value(noCursorsKey{}).(bool)
	return !no
}
