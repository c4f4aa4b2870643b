package ddblocal_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"
)

// TestConformanceConcurrency races writers against each other and against
// transactional readers. Run it under -race.
func TestConformanceConcurrency(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk")})
	tbl := aws.String(table)

	t.Run("conditional puts: exactly one wins", func(t *testing.T) {
		const writers = 16
		start := make(chan struct{})
		results := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, results[w] = tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{
					TableName: tbl, Item: item{"pk": avS("race"), "writer": avN(strconv.Itoa(w))},
					ConditionExpression: aws.String("attribute_not_exists(pk)"),
				})
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for w, err := range results {
			if err == nil {
				if winner >= 0 {
					t.Fatalf("writers %d and %d both succeeded", winner, w)
				}
				winner = w
				continue
			}
			requireConditionalFailed(t, err)
		}
		if winner < 0 {
			t.Fatal("no writer succeeded")
		}
		tg.requireStored(t, table, item{"pk": avS("race")}, item{"pk": avS("race"), "writer": avN(strconv.Itoa(winner))})
	})

	t.Run("ADD counters are exact and linearizable", func(t *testing.T) {
		const workers, perWorker = 8, 50
		returned := make([][]string, workers)
		var g errgroup.Group
		for w := range workers {
			g.Go(func() error {
				for range perWorker {
					out, err := tg.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
						TableName: tbl, Key: item{"pk": avS("counter")},
						UpdateExpression: aws.String("ADD n :one"), ExpressionAttributeValues: item{":one": avN("1")},
						ReturnValues: types.ReturnValueUpdatedNew,
					})
					if err != nil {
						return err
					}
					n, ok := out.Attributes["n"].(*types.AttributeValueMemberN)
					if !ok {
						return fmt.Errorf("UPDATED_NEW returned %s", itemString(out.Attributes))
					}
					returned[w] = append(returned[w], n.Value)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		tg.requireStored(t, table, item{"pk": avS("counter")}, item{"pk": avS("counter"), "n": avN(strconv.Itoa(workers * perWorker))})
		// Every increment saw a distinct value: together exactly 1..400.
		seen := map[string]bool{}
		for w, vals := range returned {
			prev := 0
			for _, v := range vals {
				if seen[v] {
					t.Fatalf("two increments both returned %s", v)
				}
				seen[v] = true
				n, _ := strconv.Atoi(v)
				if n <= prev {
					t.Fatalf("worker %d saw %d after %d", w, n, prev)
				}
				prev = n
			}
		}
		for i := 1; i <= workers*perWorker; i++ {
			if !seen[strconv.Itoa(i)] {
				t.Fatalf("no increment returned %d", i)
			}
		}
	})

	t.Run("transfers keep the total under concurrent transactional reads", func(t *testing.T) {
		const accounts, initial = 5, 100
		const total = accounts * initial
		acct := func(i int) item { return item{"pk": avS(fmt.Sprintf("acct-%d", i))} }
		for i := range accounts {
			tg.put(t, table, copyItem(acct(i), item{"balance": avN(strconv.Itoa(initial))}))
		}
		type transfer struct{ from, to, amt int }
		const writers, perWriter, readers = 8, 40, 4
		committed := make([][]transfer, writers)
		writerErrs := make(chan error, writers)
		readerErrs := make(chan error, readers)
		done := make(chan struct{})
		var readsMu sync.Mutex
		reads := 0

		var rwg sync.WaitGroup
		for range readers {
			rwg.Add(1)
			go func() {
				defer rwg.Done()
				var gets []types.TransactGetItem
				for i := range accounts {
					gets = append(gets, types.TransactGetItem{Get: &types.Get{TableName: tbl, Key: acct(i)}})
				}
				for {
					select {
					case <-done:
						return
					default:
					}
					out, err := tg.client.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: gets})
					if isTransactionConflict(err) {
						continue // DynamoDB may cancel a read that races a write
					}
					if err != nil {
						readerErrs <- fmt.Errorf("TransactGetItems: %w", err)
						return
					}
					sum := 0
					for i, r := range out.Responses {
						n, ok := r.Item["balance"].(*types.AttributeValueMemberN)
						if !ok {
							readerErrs <- fmt.Errorf("account %d read as %s", i, itemString(r.Item))
							return
						}
						v, err := strconv.Atoi(n.Value)
						if err != nil || v < 0 {
							readerErrs <- fmt.Errorf("account %d balance %q", i, n.Value)
							return
						}
						sum += v
					}
					if sum != total {
						readerErrs <- fmt.Errorf("a transactional read saw total %d, want %d (a half-applied transfer)", sum, total)
						return
					}
					readsMu.Lock()
					reads++
					readsMu.Unlock()
				}
			}()
		}

		var wwg sync.WaitGroup
		for w := range writers {
			wwg.Add(1)
			go func() {
				defer wwg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 42))
				for range perWriter {
					from := rng.IntN(accounts)
					to := (from + 1 + rng.IntN(accounts-1)) % accounts
					amt := 1 + rng.IntN(40)
					_, err := tg.client.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
						{Update: &types.Update{TableName: tbl, Key: acct(from), UpdateExpression: aws.String("SET balance = balance - :amt"),
							ConditionExpression: aws.String("balance >= :amt"), ExpressionAttributeValues: item{":amt": avN(strconv.Itoa(amt))}}},
						{Update: &types.Update{TableName: tbl, Key: acct(to), UpdateExpression: aws.String("SET balance = balance + :amt"),
							ExpressionAttributeValues: item{":amt": avN(strconv.Itoa(amt))}}},
					}})
					if err == nil {
						committed[w] = append(committed[w], transfer{from, to, amt})
						continue
					}
					var tc *types.TransactionCanceledException
					if !errors.As(err, &tc) {
						writerErrs <- fmt.Errorf("transfer: %w", err)
						return
					}
					for i, r := range tc.CancellationReasons {
						switch c := aws.ToString(r.Code); c {
						case "None", "ConditionalCheckFailed", "TransactionConflict":
						default:
							writerErrs <- fmt.Errorf("transfer cancelled with reason %d %q: %s", i, c, aws.ToString(r.Message))
							return
						}
					}
				}
			}()
		}
		wwg.Wait()
		close(done)
		rwg.Wait()
		close(writerErrs)
		close(readerErrs)
		for err := range writerErrs {
			t.Error(err)
		}
		for err := range readerErrs {
			t.Error(err)
		}
		if t.Failed() {
			return
		}

		want := make([]int, accounts)
		for i := range want {
			want[i] = initial
		}
		n := 0
		for _, ts := range committed {
			for _, tr := range ts {
				want[tr.from] -= tr.amt
				want[tr.to] += tr.amt
				n++
			}
		}
		if n == 0 {
			t.Fatal("no transfer committed")
		}
		sum := 0
		for i := range accounts {
			got := tg.get(t, table, acct(i))
			b, ok := got["balance"].(*types.AttributeValueMemberN)
			if !ok || b.Value != strconv.Itoa(want[i]) {
				t.Errorf("account %d balance %s, want %d from the %d committed transfers", i, itemString(got), want[i], n)
				continue
			}
			v, _ := strconv.Atoi(b.Value)
			sum += v
		}
		if sum != total {
			t.Errorf("final total %d, want %d", sum, total)
		}
		t.Logf("%d transfers committed; %d consistent transactional reads", n, reads)
	})
}

// isTransactionConflict reports whether err is a TransactionCanceledException
// caused only by conflicts with other transactions (or a
// TransactionConflictException), which DynamoDB may return under contention.
func isTransactionConflict(err error) bool {
	if err == nil {
		return false
	}
	var tc *types.TransactionCanceledException
	if errors.As(err, &tc) {
		codes := make([]string, 0, len(tc.CancellationReasons))
		for _, r := range tc.CancellationReasons {
			codes = append(codes, aws.ToString(r.Code))
		}
		sort.Strings(codes)
		for _, c := range codes {
			if c != "None" && c != "TransactionConflict" {
				return false
			}
		}
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "TransactionConflictException"
}
