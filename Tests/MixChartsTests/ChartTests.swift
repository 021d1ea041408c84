import Foundation
import MixCharts
import MixTestSupport
import Testing

@Suite struct ChartTests {
    let chart = Chart(
        title: "Pendulum-v1: learning curves <&>",
        x: ChartAxis(label: "environment steps"),
        y: ChartAxis(label: "evaluation return"),
        series: [
            ChartSeries(name: "gaussian · rp", points: (0...10).map { ChartPoint(x: Double($0 * 2000), y: -1200 + Double($0) * 100) },
                        band: (0...10).map { ChartInterval(x: Double($0 * 2000), lower: -1250 + Double($0) * 100, upper: -1150 + Double($0) * 100) }),
            ChartSeries(name: "mixture K=5 · mrp", points: [ChartPoint(x: 0, y: -1300), ChartPoint(x: 10_000, y: .nan), ChartPoint(x: 20_000, y: -150)]),
        ])

    @Test func svgParsesAndHoldsEverySeries() throws {
        let svg = chart.svg()
        let probe = try #require(SVGProbe.parse(svg))
        #expect(probe.seriesNames == ["gaussian · rp", "mixture K=5 · mrp"])
        #expect(probe.legendNames == probe.seriesNames)
        #expect(probe.classes["band"] == 1)
        #expect(probe.classes["line"] == 2)
        #expect(probe.lineCoordinates["gaussian · rp"] == 11)
        #expect(probe.lineCoordinates["mixture K=5 · mrp"] == 2)  // NaN breaks the line: M.. M..
        #expect(probe.texts.contains("Pendulum-v1: learning curves <&>"))
        #expect(probe.texts.contains("environment steps"))
        #expect(probe.texts.contains("evaluation return"))
        #expect(probe.texts.contains("20k") && probe.texts.contains("-1200"))
        #expect(svg == chart.svg())  // byte-stable
    }

    @Test func logarithmicAxesForTheVarianceBenchmark() throws {
        let variance = Chart(title: "Gradient variance against K",
                             x: ChartAxis(label: "components K", scale: .logarithmic, ticks: [1, 2, 4, 8, 16]),
                             y: ChartAxis(label: "variance (log scale)", scale: .logarithmic),
                             series: [ChartSeries(name: "LR", points: [1, 2, 4, 8, 16].map { ChartPoint(x: $0, y: 0.01 * $0 * $0) },
                                                  errorBars: [ChartInterval(x: 4, lower: 0.1, upper: 0.2)], drawsMarkers: true),
                                      ChartSeries(name: "MRP", points: [1, 2, 4, 8, 16].map { ChartPoint(x: $0, y: 0.001 * $0) }, drawsMarkers: true),
                                      ChartSeries(name: "invalid", points: [ChartPoint(x: 0, y: -1)])])
        let probe = try #require(SVGProbe.parse(variance.svg()))
        #expect(probe.seriesNames == ["LR", "MRP", "invalid"])
        #expect(probe.classes["marker"] == 10)  // the non-positive point is left out
        #expect(probe.classes["error-bar"] == 1)
        for label in ["1", "2", "4", "8", "16", "0.001", "0.01", "0.1", "1"] { #expect(probe.texts.contains(label), "tick \(label)") }
    }

    @Test func htmlEmbedsCharts() {
        var doc = HTMLDocument(title: "T & <x>")
        doc.table(header: ["a", "b"], rows: [["1", "<2>"]])
        doc.chart(chart, caption: "c")
        let html = doc.render()
        #expect(html.contains("<title>T &amp; &lt;x&gt;</title>"))
        #expect(html.contains("<td>&lt;2&gt;</td>"))
        #expect(html.contains("data-name=\"gaussian · rp\""))
        #expect(!html.contains("<script"))
    }
}
