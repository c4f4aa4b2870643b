package deploy_test

import (
	"errors"
	"testing"

	"github.com/hubstream/hubstream/deploy"
)

func TestFilterMatches(t *testing.T) {
	head := `{"eventName":"MODIFY","dynamodb":{"NewImage":{"_et":{"S":"HEAD"},"tags":{"SS":["a","b"]},"n":{"N":"5"}}}}`
	removed := `{"eventName":"REMOVE","dynamodb":{"OldImage":{"_et":{"S":"HEAD"}}}}`
	tests := []struct {
		name, pattern, event string
		want                 bool
		wantErr              bool
	}{
		{"exact value", `{"dynamodb":{"NewImage":{"_et":{"S":["HEAD"]}}}}`, head, true, false},
		{"other value", `{"dynamodb":{"NewImage":{"_et":{"S":["EVENT"]}}}}`, head, false, false},
		{"one of several", `{"eventName":["INSERT","MODIFY"]}`, head, true, false},
		{"missing field", `{"dynamodb":{"NewImage":{"_et":{"S":["HEAD"]}}}}`, removed, false, false},
		{"array field, one element matches", `{"dynamodb":{"NewImage":{"tags":{"SS":["b"]}}}}`, head, true, false},
		{"prefix", `{"dynamodb":{"NewImage":{"_et":{"S":[{"prefix":"HE"}]}}}}`, head, true, false},
		{"suffix", `{"dynamodb":{"NewImage":{"_et":{"S":[{"suffix":"XX"}]}}}}`, head, false, false},
		{"ignore case", `{"eventName":[{"equals-ignore-case":"modify"}]}`, head, true, false},
		{"exists", `{"dynamodb":{"NewImage":[{"exists":true}]}}`, head, true, false},
		{"does not exist", `{"dynamodb":{"NewImage":[{"exists":false}]}}`, removed, true, false},
		{"anything but", `{"eventName":[{"anything-but":["REMOVE"]}]}`, removed, false, false},
		{"anything but, other", `{"eventName":[{"anything-but":"REMOVE"}]}`, head, true, false},
		{"all keys must match", `{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"_et":{"S":["EVENT"]}}}}`, head, false, false},
		{"number", `{"dynamodb":{"NewImage":{"n":{"N":["5"]}}}}`, head, true, false},
		{"unsupported operator", `{"eventName":[{"numeric":[">",1]}]}`, head, false, true},
		{"scalar instead of array", `{"eventName":"MODIFY"}`, head, false, true},
		{"not JSON", `{"eventName":`, head, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := deploy.FilterMatches(tt.pattern, []byte(tt.event))
			if tt.wantErr {
				if !errors.Is(err, deploy.ErrFilter) {
					t.Fatalf("got %v, %v; want ErrFilter", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func FuzzFilterMatches(f *testing.F) {
	f.Add(`{"dynamodb":{"NewImage":{"_et":{"S":["HEAD"]}}}}`, `{"dynamodb":{"NewImage":{"_et":{"S":"HEAD"}}}}`)
	f.Add(`{"a":[{"anything-but":[1,"x"]},{"exists":false}]}`, `{"a":[1,2,{"b":null}]}`)
	f.Fuzz(func(t *testing.T, pattern, event string) {
		_, _ = deploy.FilterMatches(pattern, []byte(event))
	})
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, yaml string }{
		{"no resources", "AWSTemplateFormatVersion: '2010-09-09'\n"},
		{"unknown tag", "Resources:\n  A:\n    Type: X\n    Properties: {B: !Reff C}\n"},
		{"getatt without attribute", "Resources:\n  A:\n    Type: X\n    Properties: {B: !GetAtt C}\n"},
		{"resource without type", "Resources:\n  A:\n    Properties: {}\n"},
		{"duplicate key", "Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n"},
		{"alias", "Resources:\n  A: &a\n    Type: X\n  B: *a\n"},
		{"two documents", "Resources: {}\n---\nResources: {}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := deploy.Parse([]byte(tt.yaml)); !errors.Is(err, deploy.ErrTemplate) {
				t.Fatalf("got %v, want ErrTemplate", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(deploy.TemplateYAML())
	f.Add([]byte("Resources:\n  A:\n    Type: X\n    Properties: {B: !If [C, !Ref D, !GetAtt E.F]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = deploy.Parse(data)
	})
}
