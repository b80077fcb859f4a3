package errlist

import (
	"errors"
	"fmt"
	"testing"
)

func TestList(t *testing.T) {
	var l List
	if l.Err() != nil {
		t.Fatal("empty list is an error")
	}
	target := errors.New("the third")
	for i := range Max + 5 {
		if i == 2 {
			l.Add(target)
			continue
		}
		l.Add(fmt.Errorf("problem %d", i))
	}
	l.Add(nil)
	if l.Len() != Max+5 || len(l.List) != Max || l.More != 5 || !errors.Is(l.Err(), target) {
		t.Errorf("len %d, kept %d, more %d", l.Len(), len(l.List), l.More)
	}
	if got := l.Error(); got[len(got)-len("\n… and 5 more"):] != "\n… and 5 more" {
		t.Errorf("Error() ends %q", got[len(got)-20:])
	}
}
