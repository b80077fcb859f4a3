package registry_test

import (
	"errors"
	"fmt"

	"github.com/exp-runner/exp/registry"
)

func ExampleRegistry_Lookup() {
	schedules := registry.New[func(epoch int) float64]("schedule")
	schedules.Register("constant", func(int) float64 { return 1 })
	schedules.Register("halving", func(epoch int) float64 { return 1 / float64(int(1)<<epoch) })

	f, err := schedules.Lookup("halving")
	fmt.Println(f(3), err)

	_, err = schedules.Lookup("halfing")
	fmt.Println(err)
	var unknown *registry.UnknownError
	if errors.As(err, &unknown) {
		fmt.Println(unknown.Name, unknown.Known)
	}
	// Output:
	// 0.125 <nil>
	// unknown schedule "halfing" (known: constant, halving); did you mean "halving"?
	// halfing [constant halving]
}

func ExampleRegistry_Names() {
	r := registry.New[int]("widget")
	r.Register("dense", 1)
	r.Register("conv2d", 2)
	r.Register("batchnorm", 3)
	fmt.Println(r.Names(), r.Has("dense"), r.Has("Dense"))
	// Output:
	// [batchnorm conv2d dense] true false
}
