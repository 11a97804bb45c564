package resttest

import "testing"

func TestComparable(t *testing.T) {
	cases := []struct {
		doc  string
		want bool
	}{
		{`{"name":"a","properties":{"owner":{}},"value":[{},{"name":1}]}`, true},
		{`{}`, true},
		{`[]`, true},
		{`null`, true},
		{`{"name":"a","name":"b"}`, false},
		{`{"a":{"name":1,"x":{},"name":2}}`, false},
		{`[{"name":1},{"name":2}]`, true},
		{`{"Name":"a"}`, false},
		{`{"NAME":{"x":1}}`, false},
		{`{"other":1,"Other":2}`, true},
		{`{"a":1} {"b":2}`, false},
		{`{"a":`, false},
		{`{"a":"` + "\x01" + `"}`, false},
		{`[1,2`, false},
	}
	for _, tc := range cases {
		if got := Comparable([]byte(tc.doc), "name", "value"); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.doc, got, tc.want)
		}
	}
	deep := make([]byte, 0, 2*(MaxDepth+1))
	for range MaxDepth + 1 {
		deep = append(deep, '[')
	}
	for range MaxDepth + 1 {
		deep = append(deep, ']')
	}
	if Comparable(deep) || !Comparable(deep[1:len(deep)-1]) {
		t.Error("the depth limit")
	}
}
