package attribution

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palwiz/palwiz/azure/auth"
	"github.com/palwiz/palwiz/azure/cloud"
	"github.com/palwiz/palwiz/azure/powerbi"
	"github.com/palwiz/palwiz/azure/powerplatform"
	"github.com/palwiz/palwiz/azure/sim"
	"github.com/palwiz/palwiz/steps"
)

// The attribution scan benchmark: a generated tenant of about 100,000
// resources in 20 environments, served with 30 ms of latency on every
// request by a simulator in a child process (this test binary, started
// again), so the memory measured is the scan's own. It reports the elapsed
// time against the critical-path lower bound (the pages on the longest chain,
// or the pages one host must serve at its allowed concurrency, times the
// latency) and the peak memory.

const benchSimVar = "PALWIZ_BENCH_SIM" // "envs,perEnv,latency" in the child

func init() {
	spec := os.Getenv(benchSimVar)
	if spec == "" {
		return
	}
	os.Exit(serveBenchSim(spec))
}

// serveBenchSim is the child: it serves the large scenario, prints its
// address and CA as one JSON line and runs until its standard input closes.
func serveBenchSim(spec string) int {
	var envs, per int
	var latency time.Duration
	parts := strings.Split(spec, ",")
	if len(parts) == 3 {
		envs, _ = strconv.Atoi(parts[0])
		per, _ = strconv.Atoi(parts[1])
		latency, _ = time.ParseDuration(parts[2])
	}
	if envs <= 0 || per <= 0 {
		fmt.Fprintln(os.Stderr, "bad "+benchSimVar+": "+spec)
		return 2
	}
	sc := sim.LargeScenario(envs, per)
	sc.Settings.Latency = sim.Duration(latency)
	s, err := sim.Start(context.Background(), sim.Options{Scenario: sc, PagesAddr: "off"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	s.Warm()
	if f := os.Getenv(benchSimVar + "_CPUPROFILE"); f != "" {
		if out, err := os.Create(f); err == nil {
			_ = pprof.StartCPUProfile(out)
			if d, err := time.ParseDuration(os.Getenv(benchSimVar + "_CPUPROFILE_FOR")); err == nil {
				go func() { time.Sleep(d); pprof.StopCPUProfile() }()
			}
			defer pprof.StopCPUProfile()
		}
	}
	b, _ := json.Marshal(map[string]any{"url": s.URL(), "ca": string(s.CAPEM()), "resources": sim.LargeResourceCount(sc)})
	fmt.Println(string(b))
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

type benchSim struct {
	url, ca   string
	resources int
	cmd       *exec.Cmd
	stdin     io.WriteCloser
}

func startBenchSim(b *testing.B, envs, per int, latency time.Duration) *benchSim {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%d,%s", benchSimVar, envs, per, latency))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		b.Fatalf("the simulator process did not start: %v", err)
	}
	var m struct {
		URL, CA   string
		Resources int
	}
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		b.Fatal(err)
	}
	bs := &benchSim{url: m.URL, ca: m.CA, resources: m.Resources, cmd: cmd, stdin: stdin}
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	return bs
}

// lowerBound is the critical-path lower bound of a scan of LargeScenario(envs,
// per) in latency units: every request takes at least one latency, a paging
// chain is sequential, and a host serves at most its limit at once.
func lowerBound(envs, per int) (slots int, detail string) {
	sc := sim.LargeScenario(envs, per)
	t := sc.PowerPlatform.Tenants[0]
	ceil := func(a, b int) int { return (a + b - 1) / b }
	// Before any environment's list: a Power Apps token, then the BAP page.
	const prefix = 2
	chain, appsReq, flowReq, dvChain := 0, 0, 0, 0
	for _, e := range t.Environments {
		apps := max(1, ceil(len(e.CanvasApps), powerplatform.AppsPageSize))
		flows := max(1, ceil(len(e.Flows), 50))
		dv := 0
		if d := e.Dataverse; d != nil {
			n := max(len(d.ModelDrivenApps), len(d.Bots), len(d.Solutions)*2, len(e.Flows))
			dv = 1 + max(1, ceil(n, powerplatform.DataverseMaxPageSize)) // its token, then its longest list
		}
		appsReq += apps
		flowReq += flows
		chain = max(chain, prefix+apps, prefix+1+flows, prefix+dv)
		dvChain = max(dvChain, dv)
	}
	// Power BI: a token, the workspace list, then each workspace's datasets at its limit.
	pbi := 1 + 1 + ceil(len(t.Workspaces), DefaultLimits[cloud.PowerBIHost])
	chain = max(chain, pbi)
	appsHost := prefix + ceil(appsReq, DefaultLimits[cloud.PowerAppsHost])
	flowHost := prefix + 1 + ceil(flowReq, DefaultLimits[cloud.FlowHost])
	slots = max(chain, appsHost, flowHost)
	return slots, fmt.Sprintf("longest chain %d, Power Apps host %d (%d pages at %d), Flow host %d (%d pages at %d), Dataverse chain %d, Power BI %d",
		chain, appsHost, appsReq, DefaultLimits[cloud.PowerAppsHost], flowHost, flowReq, DefaultLimits[cloud.FlowHost], prefix+dvChain, pbi)
}

// memPeak samples the Go heap while a scan runs and reads the process's
// resident high-water mark, reset before the scan.
type memPeak struct {
	stop     chan struct{}
	done     sync.WaitGroup
	peakHeap uint64
}

func startMemPeak() *memPeak {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM (Linux)
	m := &memPeak{stop: make(chan struct{})}
	m.done.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		// runtime/metrics, not runtime.ReadMemStats: ReadMemStats stops the
		// world, and 200 stops a scan would be CPU the benchmark adds to
		// what it measures.
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		for {
			metrics.Read(sample)
			m.peakHeap = max(m.peakHeap, sample[0].Value.Uint64()+sample[1].Value.Uint64())
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	})
	return m
}

func (m *memPeak) finish() (heapMB, rssMB float64) {
	close(m.stop)
	m.done.Wait()
	return float64(m.peakHeap) / (1 << 20), float64(vmHWM()) / (1 << 20)
}

// cpuSeconds is a process's user and system CPU time so far (0 where /proc is missing).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces) start after ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // clock ticks (USER_HZ is 100 on Linux)
}

// vmHWM is the process's peak resident set size in bytes (0 where /proc is missing).
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func BenchmarkAttributionScan(b *testing.B) {
	const envs, per, latency = 20, 5000, 30 * time.Millisecond
	bs := startBenchSim(b, envs, per, latency)
	c, err := cloud.NewSim(bs.url, []byte(bs.ca), cloud.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	sess, err := auth.Open(ctx, auth.Config{Cloud: c, CloudID: "sim:bench"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sess.LoginServicePrincipal(ctx, sim.LargeTenantID, sim.LargeSPAppID, auth.SPCredential{Secret: sim.LargeSPSecret}); err != nil {
		b.Fatal(err)
	}
	env := &steps.Env{Cloud: c, Session: sess}
	linked := LinkedIdentity{ObjectID: sim.LargeLinkedObjectID, UPN: sim.LargeLinkedUPN, TenantID: sim.LargeTenantID, Linked: true}
	slots, detail := lowerBound(envs, per)
	lb := time.Duration(slots) * latency
	b.Logf("%d resources over %d environments, %v latency; lower bound %v = %d × latency (%s)", bs.resources, envs, latency, lb, slots, detail)
	var worst time.Duration
	var heapMB, rssMB, cpu, simCPU float64
	// The first scan is a cold one, as every palwiz run's is: new
	// connections (TLS handshakes), token requests, a heap growing from
	// nothing. Later ones reuse the connections and tokens. cpu-s is the
	// worst scan's CPU (the cold one), cpu-warm-s the best.
	cpuWarm := math.Inf(1)
	var res *ScanResult
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		debug.FreeOSMemory() // the lower bound's scenario must not count
		mem := startMemPeak()
		cpu0, sim0 := cpuSeconds(os.Getpid()), cpuSeconds(bs.cmd.Process.Pid)
		start := time.Now()
		res, err = Scan(ctx, env, ScanOptions{Linked: &linked, MemoryLimit: DefaultMemoryLimit}, nil)
		elapsed := time.Since(start)
		c, sc := cpuSeconds(os.Getpid())-cpu0, cpuSeconds(bs.cmd.Process.Pid)-sim0
		cpu, simCPU, cpuWarm = math.Max(cpu, c), math.Max(simCPU, sc), math.Min(cpuWarm, c)
		h, r := mem.finish()
		if err != nil {
			b.Fatal(err)
		}
		if res.Partial() {
			b.Fatalf("the scan failed in part: %+v", res.Failures)
		}
		if f := os.Getenv("PALWIZ_BENCH_HEAPPROFILE"); f != "" {
			runtime.GC()
			if out, err := os.Create(f); err == nil {
				_ = pprof.WriteHeapProfile(out)
				_ = out.Close()
			}
		}
		worst = max(worst, elapsed)
		heapMB, rssMB = math.Max(heapMB, h), math.Max(rssMB, r)
		// Keep the result alive until measured, as a caller would.
		runtime.KeepAlive(res)
	}
	b.StopTimer()
	if n := len(res.Resources); n < bs.resources*95/100 {
		b.Fatalf("the scan found %d of %d resources", n, bs.resources)
	}
	ratio := float64(worst) / float64(lb)
	b.ReportMetric(worst.Seconds(), "elapsed-s")
	b.ReportMetric(lb.Seconds(), "lowerbound-s")
	b.ReportMetric(ratio, "x-lowerbound")
	b.ReportMetric(rssMB, "peak-rss-MB")
	b.ReportMetric(heapMB, "peak-heap-MB")
	b.ReportMetric(float64(len(res.Resources)), "resources")
	b.ReportMetric(float64(res.Requests), "requests")
	b.ReportMetric(cpu, "cpu-s")
	b.ReportMetric(cpuWarm, "cpu-warm-s")
	b.ReportMetric(simCPU, "sim-cpu-s")
	b.Logf("scan: %d resources, %d requests in %v = %.2f× the lower bound; peak RSS %.0f MB, peak heap %.0f MB; CPU %.2fs (warm %.2fs), simulator CPU %.2fs (budget: 1.3×, 150 MB, 1.0 s)",
		len(res.Resources), res.Requests, worst.Round(time.Millisecond), ratio, rssMB, heapMB, cpu, cpuWarm, simCPU)
	if ratio > 1.3 || rssMB > 150 || cpu > 1.0 {
		b.Logf("OVER BUDGET")
	}
	_ = powerbi.GroupsPageSize
}
