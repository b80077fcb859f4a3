package predict_test

import "fmt"

var fmtSscan = fmt.Sscan
