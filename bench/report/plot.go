package report

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rpcexec/rpcexec/bench"
)

// Colours of the bars: strategies, the baseline, and the two percentiles.
var (
	rateColor     = color.RGBA{R: 0x4c, G: 0x72, B: 0xb0, A: 0xff}
	baselineColor = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
	p50Color      = color.RGBA{R: 0x55, G: 0xa8, B: 0x68, A: 0xff}
	p99Color      = color.RGBA{R: 0xc4, G: 0x4e, B: 0x52, A: 0xff}
)

// PlotFile writes a chart of r to path as PNG or SVG, by its extension.
func PlotFile(path string, r bench.Report) (err error) {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if format != "png" && format != "svg" {
		return fmt.Errorf("report: plot %q: want a file name ending in .png or .svg", path)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	return Plot(f, format, r)
}

// Plot draws r in format (png or svg): msgs/s per strategy on the left,
// p50 and p99 latency on the right, the baseline's bar in grey.
func Plot(w io.Writer, format string, r bench.Report) error {
	if len(r.Results) == 0 {
		return errors.New("report: nothing to plot")
	}
	names := make([]string, len(r.Results))
	rates, p50, p99 := make(plotter.Values, len(names)), make(plotter.Values, len(names)), make(plotter.Values, len(names))
	var longest time.Duration
	for i, res := range r.Results {
		names[i] = res.Strategy
		rates[i] = res.MsgsPerSec
		longest = max(longest, res.P99)
	}
	unit, unitName := latencyUnit(longest)
	for i, res := range r.Results {
		p50[i], p99[i] = float64(res.P50)/float64(unit), float64(res.P99)/float64(unit)
	}
	width := vg.Points(22)

	rate := plot.New()
	rate.Title.Text = "throughput"
	rate.Y.Label.Text = "msgs/s"
	rate.Y.Tick.Marker = thousandsTicks{}
	for i := range rates { // one chart per bar, so the baseline can be grey
		one := make(plotter.Values, len(rates))
		one[i] = rates[i]
		bars, err := plotter.NewBarChart(one, width)
		if err != nil {
			return err
		}
		bars.Color = rateColor
		if bench.IsReference(names[i]) {
			bars.Color = baselineColor
		}
		bars.LineStyle.Width = 0
		rate.Add(bars)
	}
	rate.NominalX(names...)
	rate.Y.Min, rate.Y.Max = 0, rate.Y.Max*1.08 // room above the tallest bar

	lat := plot.New()
	lat.Title.Text = "latency, publish to handled"
	lat.Y.Label.Text = unitName
	lat.Y.Tick.Marker = thousandsTicks{}
	for _, s := range []struct {
		name   string
		v      plotter.Values
		c      color.Color
		offset vg.Length
	}{{"p50", p50, p50Color, -width / 2}, {"p99", p99, p99Color, width / 2}} {
		bars, err := plotter.NewBarChart(s.v, width)
		if err != nil {
			return err
		}
		bars.Color, bars.Offset, bars.LineStyle.Width = s.c, s.offset, 0
		lat.Add(bars)
		lat.Legend.Add(s.name, bars)
	}
	lat.Legend.Top = true
	lat.NominalX(names...)
	lat.Y.Min, lat.Y.Max = 0, lat.Y.Max*1.15 // room for the legend

	c, err := draw.NewFormattedCanvas(24*vg.Centimeter, 10*vg.Centimeter, format)
	if err != nil {
		return err
	}
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: vg.Millimeter * 3,
		PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	canvases := plot.Align([][]*plot.Plot{{rate, lat}}, tiles, draw.New(c))
	rate.Draw(canvases[0][0])
	lat.Draw(canvases[0][1])
	_, err = c.WriteTo(w)
	return err
}

// latencyUnit picks µs or ms so the tallest bar reads well.
func latencyUnit(longest time.Duration) (time.Duration, string) {
	if longest >= 10*time.Millisecond {
		return time.Millisecond, "ms"
	}
	return time.Microsecond, "µs"
}

// thousandsTicks labels an axis of large counts with separators.
type thousandsTicks struct{}

func (thousandsTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = Thousands(ticks[i].Value)
		}
	}
	return ticks
}
