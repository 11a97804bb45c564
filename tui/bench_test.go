package tui

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkFirstFrame measures what stands between starting the wizard and
// its first frame: building the model, Init, the window size and the
// first View (budget: 50 ms).
func BenchmarkFirstFrame(b *testing.B) {
	f := newFake()
	b.ReportAllocs()
	for b.Loop() {
		m := New(context.Background(), Options{Backend: f, NoColor: true})
		_ = m.Init()
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		if v := m.View(); v.Content == "" {
			b.Fatal("empty first frame")
		}
	}
}

// BenchmarkFrame measures one redraw of a busy screen (the tooling tables).
func BenchmarkFrame(b *testing.B) {
	f := newFake()
	r := newRunner(b, Options{Backend: f, NoColor: true})
	r.typeText("4977985")
	r.key("enter", "enter")
	f.approve()
	r.waitFor("This is you", 5e9)
	r.key("enter", "enter", "enter", "enter", "left")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = r.m.View()
	}
}

// BenchmarkAttributionFrame measures laying out and drawing the Attribution
// topics with the demo's 35 resources (the body is laid out again after
// every message: a key, a spinner frame, a progress line).
func BenchmarkAttributionFrame(b *testing.B) {
	for _, topic := range []string{tabResources, tabPlan, tabDelivered} {
		b.Run(topic, func(b *testing.B) {
			at := newSimAttributor(b, nil)
			f := newFake()
			r := newRunner(b, Options{Backend: f, NoColor: true, Attributor: at})
			r.typeText("4977985")
			r.key("enter", "enter")
			f.approve()
			r.waitFor("This is you", 5e9)
			r.key("enter", "enter", "enter", "enter")
			r.waitFor("judged for", 5e9)
			for r.m.attribution.topic(r.m) != topic {
				r.key("right")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				r.m.layout()
				_ = r.m.View()
			}
		})
	}
}
