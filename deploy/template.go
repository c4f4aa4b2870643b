// Package deploy is hubstream's AWS deployment: template.yaml, a
// CloudFormation template for the table, the projector as a Lambda
// function on the table's stream and the GraphQL server on ECS Fargate
// (docs/deploy.md explains it). The Go code reads the template the way
// CloudFormation does, so that tests can hold it to the code: its table to
// internal/table, its IAM policies to the DynamoDB calls the code makes,
// its event filter to the records the projector applies.
package deploy

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

//go:embed template.yaml
var templateYAML []byte

// Template is a parsed CloudFormation template. Values are what
// encoding/json would make of the template in its JSON form: maps,
// slices, strings, float64s, bools; intrinsic functions in short form
// (!Ref X, !GetAtt A.B, !Sub s, …) appear in their long form ({"Ref": X},
// {"Fn::GetAtt": [A, B]}, {"Fn::Sub": s}, …).
type Template struct {
	Parameters map[string]map[string]any
	Rules      map[string]any
	Conditions map[string]any
	Resources  map[string]Resource
	Outputs    map[string]any
}

// Resource is one resource of a template.
type Resource struct {
	Type                string
	Condition           string
	DependsOn           any
	DeletionPolicy      string
	UpdateReplacePolicy string
	Metadata            map[string]any
	Properties          map[string]any
}

// ErrTemplate is matched (errors.Is) by every parse failure.
var ErrTemplate = errors.New("deploy: bad template")

// TemplateYAML returns the text of template.yaml.
func TemplateYAML() []byte { return append([]byte(nil), templateYAML...) }

// Load parses the embedded template.yaml.
func Load() (*Template, error) { return Parse(templateYAML) }

// Parse parses a CloudFormation template in YAML.
func Parse(data []byte) (*Template, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root, more yaml.Node
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) || len(root.Content) != 1 {
		return nil, fmt.Errorf("%w: want one YAML document", ErrTemplate)
	}
	v, err := convert(root.Content[0], 0)
	if err != nil {
		return nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: the document is not a mapping", ErrTemplate)
	}
	t := &Template{Parameters: map[string]map[string]any{}, Resources: map[string]Resource{}}
	if ps, ok := doc["Parameters"].(map[string]any); ok {
		for name, p := range ps {
			pm, ok := p.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%w: parameter %s is not a mapping", ErrTemplate, name)
			}
			t.Parameters[name] = pm
		}
	}
	t.Rules, _ = doc["Rules"].(map[string]any)
	t.Conditions, _ = doc["Conditions"].(map[string]any)
	t.Outputs, _ = doc["Outputs"].(map[string]any)
	rs, ok := doc["Resources"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: no Resources", ErrTemplate)
	}
	for name, r := range rs {
		rm, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: resource %s is not a mapping", ErrTemplate, name)
		}
		res := Resource{DependsOn: rm["DependsOn"]}
		res.Type, _ = rm["Type"].(string)
		res.Condition, _ = rm["Condition"].(string)
		res.DeletionPolicy, _ = rm["DeletionPolicy"].(string)
		res.UpdateReplacePolicy, _ = rm["UpdateReplacePolicy"].(string)
		res.Properties, _ = rm["Properties"].(map[string]any)
		res.Metadata, _ = rm["Metadata"].(map[string]any)
		if res.Type == "" {
			return nil, fmt.Errorf("%w: resource %s has no Type", ErrTemplate, name)
		}
		t.Resources[name] = res
	}
	return t, nil
}

// ResourcesOfType returns the names of the resources of type typ.
func (t *Template) ResourcesOfType(typ string) []string {
	var out []string
	for name, r := range t.Resources {
		if r.Type == typ {
			out = append(out, name)
		}
	}
	return out
}

// shortForms maps CloudFormation's YAML tags to the long-form function
// names.
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!FindInMap": "Fn::FindInMap", "!GetAtt": "Fn::GetAtt",
	"!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!Sub": "Fn::Sub", "!Transform": "Fn::Transform", "!And": "Fn::And", "!Equals": "Fn::Equals",
	"!If": "Fn::If", "!Not": "Fn::Not", "!Or": "Fn::Or", "!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length",
}

const maxDepth = 64

func convert(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d levels", ErrTemplate, maxDepth)
	}
	if fn, ok := shortForms[n.Tag]; ok {
		plain := *n
		plain.Tag = ""
		if plain.Kind == yaml.ScalarNode {
			plain.Tag = "!!str"
		}
		v, err := convert(&plain, depth+1)
		if err != nil {
			return nil, err
		}
		if fn == "Fn::GetAtt" {
			if s, ok := v.(string); ok {
				resource, attr, found := strings.Cut(s, ".")
				if !found {
					return nil, fmt.Errorf("%w: line %d: !GetAtt %q is not Resource.Attribute", ErrTemplate, n.Line, s)
				}
				v = []any{resource, attr}
			}
		}
		return map[string]any{fn: v}, nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("%w: line %d: unknown tag %s", ErrTemplate, n.Line, n.Tag)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%w: line %d: a key is not a scalar", ErrTemplate, k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("%w: line %d: duplicate key %q", ErrTemplate, k.Line, k.Value)
			}
			v, err := convert(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := convert(c, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrTemplate, n.Line, err)
		}
		if i, ok := v.(int); ok {
			return float64(i), nil
		}
		return v, nil
	case yaml.AliasNode:
		return nil, fmt.Errorf("%w: line %d: YAML aliases are not CloudFormation", ErrTemplate, n.Line)
	}
	return nil, fmt.Errorf("%w: line %d: unexpected YAML node", ErrTemplate, n.Line)
}
