package cpu

import (
	"sync"
)

// parallelJob is a unit of work split in parts: runPart(part, numParts) must process
// exactly the slice of the work that belongs to part, with no sharing of outputs between parts.
//
// Jobs are passed as interfaces holding pointers, so dispatching a job does not allocate.
type parallelJob interface {
	runPart(part, numParts int)
}

// workerTask is what is sent to the worker goroutines.
type workerTask struct {
	job            parallelJob
	part, numParts int
	wg             *sync.WaitGroup
}

// workerPool holds threads-1 long-lived goroutines: the calling goroutine always runs part 0 itself.
type workerPool struct {
	threads int
	tasks   chan workerTask
	stop    chan struct{}
	once    sync.Once
}

func newWorkerPool(threads int) *workerPool {
	if threads < 1 {
		threads = 1
	}
	p := &workerPool{threads: threads}
	if threads > 1 {
		p.tasks = make(chan workerTask, 4*threads)
		p.stop = make(chan struct{})
		for range threads - 1 {
			go p.loop()
		}
	}
	return p
}

func (p *workerPool) loop() {
	for {
		select {
		case t := <-p.tasks:
			t.job.runPart(t.part, t.numParts)
			t.wg.Done()
		case <-p.stop:
			return
		}
	}
}

// run executes job split into numParts parts, and waits for all of them.
// Part 0 runs on the calling goroutine. wg must not be in use by anyone else.
func (p *workerPool) run(job parallelJob, numParts int, wg *sync.WaitGroup) {
	if numParts <= 1 || p.threads <= 1 {
		for part := range max(numParts, 1) {
			job.runPart(part, max(numParts, 1))
		}
		return
	}
	wg.Add(numParts - 1)
	for part := 1; part < numParts; part++ {
		p.tasks <- workerTask{job: job, part: part, numParts: numParts, wg: wg}
	}
	job.runPart(0, numParts)
	wg.Wait()
}

func (p *workerPool) close() {
	p.once.Do(func() {
		if p.stop != nil {
			close(p.stop)
		}
	})
}
