package table

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// TestKeysFollowTheEntityChart pins the key formats of DESIGN.md §3: they
// are the table's on-disk contract, so a change must be deliberate.
func TestKeysFollowTheEntityChart(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"account partition lower-cased", string(AccountPartition("Octo")), "ACCOUNT#octo"},
		{"repo partition", string(RepositoryPartition("Octo", "Hello")), "REPO#octo#hello"},
		{"issue partition zero-padded", string(IssuePartition("o", "r", 7)), "ISSUE#o#r#00000007"},
		{"pr partition", string(PullRequestPartition("o", "r", 12)), "PR#o#r#00000012"},
		{"comment partition", string(CommentPartition("o", "r", 3, "01abc")), "COMMENT#o#r#00000003#01abc"},
		{"star partition", string(StarPartition("Mona", "o", "r")), "STAR#mona#o#r"},
		{"membership partition", string(MembershipPartition("Org", "Mona")), "MEMBER#org#mona"},
		{"event sort key", EventKey("ACCOUNT#a", 42).SK, "EVENT#0000000042"},
		{"head sort key", HeadKey("ACCOUNT#a").SK, "EVENT#HEAD"},
		{"issues by number", IssueIndexKeys("o", "r", 5, "OPEN", "2026")[0].SK, "ISSUE#00000005"},
		{"open issues by number", IssueIndexKeys("o", "r", 5, "OPEN", "2026")[1].SK, "ISSUE#OPEN#00000005"},
		{"closed issues by number", IssueIndexKeys("o", "r", 5, "CLOSED", "2026")[1].SK, "ISSUE#CLOSED#00000005"},
		{"issues by update", IssueIndexKeys("o", "r", 5, "CLOSED", "2026")[2].SK, "ISSUE#2026#00000005"},
		{"closed issues by update", IssueIndexKeys("o", "r", 5, "CLOSED", "2026")[3].SK, "ISSUE#CLOSED#2026#00000005"},
		{"pull request order value by update", WorkOrderValue(OrderUpdated, 5, "2026"), "2026#00000005"},
		{"labeled by update", LabelLinkIndexKeys("o", "r", "L1", "PR", 5, "MERGED", "2026")[3].SK, "N#MERGED#2026#00000005"},
		{"forks newest first", ForkIndexKeys("o", "r", "Mona", "2026")[1].SK, "FORK#2026#mona"},
		{"comment key", CommentKey("o", "r", 3, "01abc").SK, "ISSUE#00000003#COMMENT#01abc"},
		{"membership GSI1", MembershipIndexKeys("org", "mona")[0].SK, "ORG#org"},
		{"repos by owner newest first", RepositoryIndexKeys("o", "r", "2026")[2].SK, "#2026"},
		{"projection marker", MarkerKey("REPO#o#r").SK, "PROJECTION"},
		{"comment range start", first(CommentRange(3, 7)), "ISSUE#00000003#"},
		{"comment reaction range end", second(CommentReactionRange(3, 7)), "REACTION#ISSUE#00000007$"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Fatalf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
	if !IsHeadSK("EVENT#HEAD") || IsEventSK("EVENT#HEAD") || !IsEventSK(EventKey("p", 1).SK) {
		t.Fatal("head/event sort keys are not told apart")
	}
	if !strings.HasPrefix(EventKey("p", 1).SK, EventSKPrefix) || strings.HasPrefix("EVENT#HEAD", EventSKPrefix) {
		t.Fatal("EventSKPrefix must select events and not the head")
	}
}

func TestKeyStorable(t *testing.T) {
	tests := []struct {
		name string
		key  Key
		want bool
	}{
		{"normal", AccountKey("octo"), true},
		{"empty sort key", Key{PK: "a"}, false},
		{"partition key at the limit", Key{PK: strings.Repeat("p", MaxPartitionKeyBytes), SK: "s"}, true},
		{"partition key too long", Key{PK: strings.Repeat("p", MaxPartitionKeyBytes+1), SK: "s"}, false},
		{"sort key too long", Key{PK: "p", SK: strings.Repeat("s", MaxSortKeyBytes+1)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.key.Storable(); got != tc.want {
				t.Fatalf("Storable = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Reason
	}{
		{"nil", nil, ReasonNone},
		{"condition", &types.ConditionalCheckFailedException{}, ReasonConditionFailed},
		{"conflict", &types.TransactionConflictException{}, ReasonTransactionConflict},
		{"throttled", &types.ProvisionedThroughputExceededException{}, ReasonThrottled},
		{"not found", &types.ResourceNotFoundException{}, ReasonNotFound},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException"}, ReasonValidation},
		{"other", errors.New("connection reset"), ReasonOther},
		{"cancelled by a condition", cancelled("None", "ConditionalCheckFailed", "TransactionConflict"), ReasonConditionFailed},
		{"cancelled by conflicts only", cancelled("None", "TransactionConflict"), ReasonTransactionConflict},
		{"cancelled by throttling only", cancelled("ThrottlingError"), ReasonThrottled},
		{"cancelled by a validation error", cancelled("ConditionalCheckFailed", "ValidationError"), ReasonValidation},
		{"cancelled for an unknown reason", cancelled("None", "ItemCollectionSizeLimitExceeded"), ReasonOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Fatalf("Classify = %v, want %v", got, tc.want)
			}
		})
	}
	tce := &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{
		{Code: aws.String("None")}, {Code: aws.String("ConditionalCheckFailed"), Item: map[string]types.AttributeValue{"v": &types.AttributeValueMemberN{Value: "3"}}}, {Code: aws.String("TransactionConflict")},
	}}
	c, ok := AsCancellation(tce)
	if !ok || len(c.Reasons) != 3 || c.Reasons[0] != ReasonNone || c.Reasons[1] != ReasonConditionFailed || c.Reasons[2] != ReasonTransactionConflict || c.Items[1] == nil {
		t.Fatalf("AsCancellation = %+v, %v", c, ok)
	}
	if Retryable(tce) {
		t.Fatal("a cancellation with a failed condition is not retryable")
	}
	if !Retryable(&types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{{Code: aws.String("TransactionConflict")}}}) {
		t.Fatal("a cancellation caused only by conflicts is retryable")
	}
}

func TestCancellationContended(t *testing.T) {
	tests := []struct {
		name  string
		codes []string
		want  bool
	}{
		{"conditions and conflicts", []string{"None", "ConditionalCheckFailed", "TransactionConflict"}, true},
		{"throttled", []string{"ThrottlingError", "None"}, true},
		{"validation error", []string{"None", "ValidationError"}, false},
		{"unknown reason", []string{"ItemCollectionSizeLimitExceeded"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := AsCancellation(cancelled(tc.codes...))
			if !ok || c.Contended() != tc.want {
				t.Fatalf("Contended(%v) = %v, want %v", tc.codes, c.Contended(), tc.want)
			}
		})
	}
}

// cancelled is a TransactionCanceledException with one reason per code.
func cancelled(codes ...string) error {
	tce := &types.TransactionCanceledException{}
	for _, c := range codes {
		tce.CancellationReasons = append(tce.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
	}
	return tce
}

func first(a, _ string) string  { return a }
func second(_, b string) string { return b }

// TestWorkOrderValues: every ordering's collection of a work item ends its
// sort key with the same order value, and a cursor's value gives back the
// number it ends with (the merge of several states depends on both).
func TestWorkOrderValues(t *testing.T) {
	const at = "2026-12-07T22:00:00.000000000Z"
	keys := IssueIndexKeys("Octo", "Hello", 42, "CLOSED", at)
	for _, tc := range []struct {
		name, field, state string
	}{
		{"all by creation", OrderCreated, ""},
		{"closed by creation", OrderCreated, "CLOSED"},
		{"all by update", OrderUpdated, ""},
		{"closed by update", OrderUpdated, "CLOSED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			index, pk, prefix := IssuesOfRepository("ISSUE", "OCTO", "hello", tc.state, tc.field)
			var sk string
			for _, k := range keys {
				if k.Index == index && k.PK == pk {
					sk = k.SK
				}
			}
			want := prefix + WorkOrderValue(tc.field, 42, at)
			if sk != want {
				t.Fatalf("%s key %q, want %q", index, sk, want)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		value string
		n     int
		ok    bool
	}{
		{"by creation", WorkOrderValue(OrderCreated, 7, at), 7, true},
		{"by update", WorkOrderValue(OrderUpdated, 99999999, at), 99999999, true},
		{"too short", "1234", 0, false},
		{"not digits", "0000000x", 0, false},
		{"no separator", at + "00000007", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n, ok := WorkOrderNumber(tc.value); n != tc.n || ok != tc.ok {
				t.Fatalf("WorkOrderNumber(%q) = %d, %v; want %d, %v", tc.value, n, ok, tc.n, tc.ok)
			}
		})
	}
}
