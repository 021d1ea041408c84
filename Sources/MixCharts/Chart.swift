import Foundation
import MixTensor

/// How an axis maps values to positions.
package enum AxisScale: Sendable, Equatable {
    case linear
    /// Base-10 logarithmic; values that are not positive are left out of the plot.
    case logarithmic
}

/// One axis of a chart.
package struct ChartAxis: Sendable, Equatable {
    /// The axis title, with its unit (`"environment steps"`, `"return (mean, 95% CI)"`).
    package var label: String
    /// Linear or logarithmic.
    package var scale: AxisScale
    /// Tick positions; nil chooses "nice" ones (1, 2 or 5 times a power of ten).
    package var ticks: [Double]?
    /// The visible range; nil fits the data.
    package var range: ClosedRange<Double>?

    /// An axis titled `label`.
    package init(label: String, scale: AxisScale = .linear, ticks: [Double]? = nil, range: ClosedRange<Double>? = nil) {
        self.label = label
        self.scale = scale
        self.ticks = ticks
        self.range = range
    }
}

/// A data point.
package struct ChartPoint: Sendable, Equatable {
    /// The horizontal coordinate.
    package var x: Double
    /// The vertical coordinate.
    package var y: Double
    /// A point at (x, y).
    package init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// A vertical interval at `x` (a confidence band's edge, or an error bar).
package struct ChartInterval: Sendable, Equatable {
    /// Where the interval is.
    package var x: Double
    /// Its lower end.
    package var lower: Double
    /// Its upper end.
    package var upper: Double
    /// An interval from `lower` to `upper` at `x`.
    package init(x: Double, lower: Double, upper: Double) { self.x = x; self.lower = lower; self.upper = upper }
}

/// One named series: a line and/or markers, optionally with a shaded band or error bars.
package struct ChartSeries: Sendable, Equatable {
    /// The legend entry.
    package var name: String
    /// The points, in drawing order (a non-finite value breaks the line).
    package var points: [ChartPoint]
    /// A shaded band (drawn under the line), such as a confidence interval over seeds.
    package var band: [ChartInterval]
    /// Vertical error bars.
    package var errorBars: [ChartInterval]
    /// Join the points with a line.
    package var drawsLine: Bool
    /// Draw a dot at each point.
    package var drawsMarkers: Bool

    /// A series named `name` (the legend shows it).
    package init(name: String, points: [ChartPoint], band: [ChartInterval] = [], errorBars: [ChartInterval] = [],
                drawsLine: Bool = true, drawsMarkers: Bool = false) {
        self.name = name
        self.points = points
        self.band = band
        self.errorBars = errorBars
        self.drawsLine = drawsLine
        self.drawsMarkers = drawsMarkers
    }
}

/// A line chart rendered as standalone SVG, with no dependencies: title, axes with ticks
/// and labels, grid lines, a legend, linear or logarithmic scales, confidence bands and
/// error bars. Each series is an SVG group `<g class="series" data-name="...">`, so
/// tests and scripts can find it. Colors are the Okabe-Ito palette (distinguishable
/// with the common color-vision deficiencies); past eight series they repeat dashed.
///
/// ```swift
/// let chart = Chart(title: "Gradient variance", x: ChartAxis(label: "components K", scale: .logarithmic),
///                   y: ChartAxis(label: "variance", scale: .logarithmic),
///                   series: [ChartSeries(name: "MRP", points: points, drawsMarkers: true)])
/// try chart.svg().write(toFile: "variance.svg", atomically: true, encoding: .utf8)
/// ```
package struct Chart: Sendable, Equatable {
    /// The title above the plot (also the SVG `<title>`).
    package var title: String
    /// A smaller line under the title (what the bands mean, for instance).
    package var subtitle: String?
    /// The horizontal axis.
    package var x: ChartAxis
    /// The vertical axis.
    package var y: ChartAxis
    /// The series, in legend order.
    package var series: [ChartSeries]
    /// Size in pixels.
    package var width: Double = 760
    /// Height in pixels.
    package var height: Double = 440

    /// A chart of `series` on the given axes.
    package init(title: String, subtitle: String? = nil, x: ChartAxis, y: ChartAxis, series: [ChartSeries]) {
        self.title = title
        self.subtitle = subtitle
        self.x = x
        self.y = y
        self.series = series
    }

    /// The Okabe-Ito colors, in the order series use them.
    package static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933"]

    /// The chart as an SVG document.
    package func svg() -> String {
        var w = SVGWriter()
        let legendWidth = series.isEmpty ? 0 : min(260, 40 + 6.6 * Double(series.map(\.name.count).max() ?? 0))
        let left = 78.0, right = 16.0 + legendWidth, top = subtitle == nil ? 44.0 : 62.0, bottom = 58.0
        let plot = (x0: left, y0: top, x1: width - right, y1: height - bottom)
        let xs = series.flatMap { s in s.points.map(\.x) + s.band.map(\.x) + s.errorBars.map(\.x) }
        let ys = series.flatMap { s in s.points.map(\.y) + s.band.flatMap { [$0.lower, $0.upper] } + s.errorBars.flatMap { [$0.lower, $0.upper] } }
        let xScale = AxisLayout(axis: x, data: xs, from: plot.x0, to: plot.x1)
        let yScale = AxisLayout(axis: y, data: ys, from: plot.y1, to: plot.y0)
        let clip = "clip-" + String(SHA256.hexDigest(title + (subtitle ?? "") + x.label + y.label).prefix(10))

        w.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "width": f(width), "height": f(height),
                       "viewBox": "0 0 \(f(width)) \(f(height))", "role": "img", "class": "mixrl-chart"])
        w.element("title", text: title)
        w.element("style", text: """
            text{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;fill:#222}\
            .title{font-size:16px;font-weight:600}.subtitle{font-size:12px;fill:#555}\
            .tick{font-size:11px;fill:#444}.axis-label{font-size:12.5px}.legend text{font-size:12px}\
            .gridline{stroke:#e6e6e6;stroke-width:1}.frame{fill:none;stroke:#888;stroke-width:1}
            """)
        w.element("defs", children: { w in
            w.open("clipPath", ["id": clip])
            w.element("rect", ["x": f(plot.x0), "y": f(plot.y0), "width": f(plot.x1 - plot.x0), "height": f(plot.y1 - plot.y0)])
            w.close("clipPath")
        })
        w.element("rect", ["x": "0", "y": "0", "width": f(width), "height": f(height), "fill": "white"])
        w.element("text", ["class": "title", "x": f(plot.x0), "y": "24"], text: title)
        if let subtitle { w.element("text", ["class": "subtitle", "x": f(plot.x0), "y": "42"], text: subtitle) }

        // Grid, ticks and axis titles.
        w.open("g", ["class": "axis x-axis"])
        for t in xScale.ticks {
            let px = xScale.position(t)
            w.element("line", ["class": "gridline", "x1": f(px), "y1": f(plot.y0), "x2": f(px), "y2": f(plot.y1)])
            w.element("line", ["x1": f(px), "y1": f(plot.y1), "x2": f(px), "y2": f(plot.y1 + 5), "stroke": "#888"])
            w.element("text", ["class": "tick", "x": f(px), "y": f(plot.y1 + 18), "text-anchor": "middle"], text: xScale.label(t))
        }
        w.element("text", ["class": "axis-label", "x": f((plot.x0 + plot.x1) / 2), "y": f(height - 14), "text-anchor": "middle"], text: x.label)
        w.close("g")
        w.open("g", ["class": "axis y-axis"])
        for t in yScale.ticks {
            let py = yScale.position(t)
            w.element("line", ["class": "gridline", "x1": f(plot.x0), "y1": f(py), "x2": f(plot.x1), "y2": f(py)])
            w.element("line", ["x1": f(plot.x0 - 5), "y1": f(py), "x2": f(plot.x0), "y2": f(py), "stroke": "#888"])
            w.element("text", ["class": "tick", "x": f(plot.x0 - 8), "y": f(py + 4), "text-anchor": "end"], text: yScale.label(t))
        }
        let cy = (plot.y0 + plot.y1) / 2
        w.element("text", ["class": "axis-label", "x": "18", "y": f(cy), "text-anchor": "middle", "transform": "rotate(-90 18 \(f(cy)))"], text: y.label)
        w.close("g")
        w.element("rect", ["class": "frame", "x": f(plot.x0), "y": f(plot.y0), "width": f(plot.x1 - plot.x0), "height": f(plot.y1 - plot.y0)])

        // Series.
        w.open("g", ["class": "plot-area", "clip-path": "url(#\(clip))"])
        for (n, s) in series.enumerated() {
            let color = Self.palette[n % Self.palette.count]
            let dash = n >= Self.palette.count ? "6 3" : nil
            w.open("g", ["class": "series", "data-name": s.name])
            let band = s.band.filter { xScale.visible($0.x) && yScale.visible($0.lower) && yScale.visible($0.upper) }
            if band.count > 1 {
                var d = "M"
                for b in band { d += " \(f(xScale.position(b.x))),\(f(yScale.position(b.upper)))" }
                for b in band.reversed() { d += " \(f(xScale.position(b.x))),\(f(yScale.position(b.lower)))" }
                w.element("path", ["class": "band", "d": d + " Z", "fill": color, "fill-opacity": "0.18", "stroke": "none"])
            }
            for b in s.errorBars where xScale.visible(b.x) && yScale.visible(b.lower) && yScale.visible(b.upper) {
                let px = xScale.position(b.x), lo = yScale.position(b.lower), hi = yScale.position(b.upper)
                let d = "M\(f(px - 4)),\(f(hi)) H\(f(px + 4)) M\(f(px)),\(f(hi)) V\(f(lo)) M\(f(px - 4)),\(f(lo)) H\(f(px + 4))"
                w.element("path", ["class": "error-bar", "d": d, "stroke": color, "stroke-width": "1.5", "fill": "none"])
            }
            if s.drawsLine {
                // Break the line where a point is missing or outside a logarithmic axis.
                var d = ""
                var pen = false
                for p in s.points {
                    guard xScale.visible(p.x), yScale.visible(p.y) else { pen = false; continue }
                    d += (pen ? " L" : " M") + "\(f(xScale.position(p.x))),\(f(yScale.position(p.y)))"
                    pen = true
                }
                if !d.isEmpty {
                    var attributes = ["class": "line", "d": String(d.dropFirst()), "stroke": color, "stroke-width": "2", "fill": "none",
                                      "stroke-linejoin": "round"]
                    if let dash { attributes["stroke-dasharray"] = dash }
                    w.element("path", attributes)
                }
            }
            if s.drawsMarkers {
                for p in s.points where xScale.visible(p.x) && yScale.visible(p.y) {
                    w.element("circle", ["class": "marker", "cx": f(xScale.position(p.x)), "cy": f(yScale.position(p.y)), "r": "3.5", "fill": color])
                }
            }
            w.close("g")
        }
        w.close("g")

        // Legend, right of the plot.
        if !series.isEmpty {
            w.open("g", ["class": "legend"])
            for (n, s) in series.enumerated() {
                let color = Self.palette[n % Self.palette.count]
                let ly = plot.y0 + 8 + Double(n) * 20
                let lx = plot.x1 + 14
                w.open("g", ["class": "legend-entry", "data-name": s.name])
                if !s.band.isEmpty { w.element("rect", ["x": f(lx), "y": f(ly - 6), "width": "22", "height": "12", "fill": color, "fill-opacity": "0.18"]) }
                if s.drawsLine {
                    var a = ["x1": f(lx), "y1": f(ly), "x2": f(lx + 22), "y2": f(ly), "stroke": color, "stroke-width": "2"]
                    if n >= Self.palette.count { a["stroke-dasharray"] = "6 3" }
                    w.element("line", a)
                }
                if s.drawsMarkers || !s.drawsLine { w.element("circle", ["cx": f(lx + 11), "cy": f(ly), "r": "3.5", "fill": color]) }
                w.element("text", ["x": f(lx + 28), "y": f(ly + 4)], text: s.name)
                w.close("g")
            }
            w.close("g")
        }
        w.close("svg")
        return w.text
    }

    func f(_ v: Double) -> String { SVGWriter.number(v) }
}

/// Maps one axis's values to pixels and chooses its ticks.
struct AxisLayout {
    let scale: AxisScale
    let lower: Double
    let upper: Double
    let from: Double
    let to: Double
    let ticks: [Double]
    let step: Double

    init(axis: ChartAxis, data: [Double], from: Double, to: Double) {
        scale = axis.scale
        self.from = from
        self.to = to
        let usable = data.filter { $0.isFinite && (axis.scale == .linear || $0 > 0) } + (axis.ticks ?? [])
        var lo = usable.min() ?? (axis.scale == .linear ? 0 : 1)
        var hi = usable.max() ?? (axis.scale == .linear ? 1 : 10)
        if let r = axis.range { lo = r.lowerBound; hi = r.upperBound }
        switch axis.scale {
        case .linear:
            if lo == hi { let pad = lo == 0 ? 1 : abs(lo) * 0.1; lo -= pad; hi += pad }
            let s = AxisLayout.niceStep((hi - lo) / 5)
            step = s
            if axis.range == nil {
                if axis.ticks != nil {
                    // Explicit ticks mark data positions (such as K): pad so markers at the ends show whole.
                    let pad = (hi - lo) * 0.06
                    lo -= pad
                    hi += pad
                } else {
                    lo = (lo / s).rounded(.down) * s
                    hi = (hi / s).rounded(.up) * s
                }
            }
            ticks = axis.ticks ?? stride(from: (lo / s).rounded(.up) * s, through: hi + s * 1e-9, by: s).map { abs($0) < s * 1e-9 ? 0 : $0 }
        case .logarithmic:
            if lo == hi { lo /= 2; hi *= 2 }
            if axis.range == nil {
                if axis.ticks != nil { lo /= 1.25; hi *= 1.25 } else {
                    lo = pow(10, log10(lo).rounded(.down))
                    hi = pow(10, log10(hi).rounded(.up))
                }
            }
            step = 0
            if let t = axis.ticks { ticks = t } else {
                let decades = Int(log10(hi / lo).rounded())
                var t: [Double] = []
                var p = lo
                while p <= hi * 1.000001 {
                    t.append(p)
                    if decades <= 2 { for m in [2.0, 5.0] where p * m <= hi * 1.000001 { t.append(p * m) } }
                    p *= 10
                }
                ticks = t.sorted()
            }
        }
        lower = lo
        upper = hi
    }

    func visible(_ v: Double) -> Bool { v.isFinite && (scale == .linear || v > 0) }

    func position(_ v: Double) -> Double {
        let t: Double
        switch scale {
        case .linear: t = (v - lower) / (upper - lower)
        case .logarithmic: t = (log10(v) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return from + t * (to - from)
    }

    /// 1, 2 or 5 times a power of ten, nearest to `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        let f = raw / magnitude
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude
    }

    func label(_ v: Double) -> String { TickFormat.label(v, step: scale == .linear ? step : nil) }
}

/// Compact tick labels: `20k`, `1.5M`, `0.25`, `1e-05`.
enum TickFormat {
    static func label(_ v: Double, step: Double?) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        let s = step ?? a
        if a >= 1e6 && s >= 1e5 { return trim(v / 1e6, decimals: s >= 1e6 ? 0 : 1) + "M" }
        if a >= 1e3 && s >= 1e3 { return trim(v / 1e3, decimals: 0) + "k" }
        if a < 1e-3 || a >= 1e7 { return String(format: "%.0e", v) }
        let decimals = step.map { max(0, Int(-log10($0).rounded(.down))) } ?? max(0, Int(-log10(a).rounded(.down)))
        return trim(v, decimals: min(decimals, 6))
    }

    static func trim(_ v: Double, decimals: Int) -> String {
        var s = String(format: "%.\(decimals)f", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }
}
