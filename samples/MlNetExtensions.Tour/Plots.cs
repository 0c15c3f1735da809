using ScottPlot;

namespace MlNetExtensions.Tour;

/// <summary>The tour's PNG plots (ScottPlot 5), written to the output folder.</summary>
internal static class Plots
{
    private const int Width = 800, Height = 600;

    /// <summary>Predicted against actual values, with the y = x line a perfect model would lie on.</summary>
    public static string PredictedVsActual(string path, string title, IReadOnlyList<(string Name, float[] Predicted)> models, float[] actual)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int m = 0; m < models.Count; m++)
        {
            var scatter = plot.Add.ScatterPoints(actual.Select(a => (double)a).ToArray(), models[m].Predicted.Select(p => (double)p).ToArray());
            scatter.LegendText = models[m].Name;
            scatter.Color = palette.GetColor(m).WithAlpha(0.7);
            scatter.MarkerSize = 6;
        }
        double lo = Math.Min(actual.Min(), models.Min(m => m.Predicted.Min())), hi = Math.Max(actual.Max(), models.Max(m => m.Predicted.Max()));
        var diagonal = plot.Add.Line(lo, lo, hi, hi);
        diagonal.LineColor = Colors.Gray;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "y = x";
        plot.Title(title);
        plot.XLabel("actual");
        plot.YLabel("predicted");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>One line per named series against its index (e.g. loss per epoch or iteration).</summary>
    public static string Curves(string path, string title, string xLabel, string yLabel, IReadOnlyList<(string Name, double[] Values)> series, bool logY = false)
    {
        var plot = new Plot();
        foreach (var (name, values) in series)
        {
            var ys = logY ? values.Select(v => Math.Log10(Math.Max(v, 1e-12))).ToArray() : values;
            var line = plot.Add.Scatter(Enumerable.Range(1, ys.Length).Select(i => (double)i).ToArray(), ys);
            line.LegendText = name;
            line.MarkerSize = ys.Length > 60 ? 0 : 4;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(logY ? $"log10 {yLabel}" : yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>
    /// Side-by-side panels of P(class = true) over the square [min, max]² for each model, with the labelled points on
    /// top: where a model's colour changes is its decision boundary.
    /// </summary>
    public static string DecisionBoundaries(string path, string title, IReadOnlyList<(string Name, Func<float[][], float[]> Probability)> models,
        float[][] points, bool[] labels, double min, double max)
    {
        const int grid = 120;
        double step = (max - min) / grid;
        var gridPoints = new float[grid * grid][];
        for (int r = 0; r < grid; r++)
            for (int c = 0; c < grid; c++)
                gridPoints[r * grid + c] = [(float)(min + (c + 0.5) * step), (float)(min + (r + 0.5) * step)];

        var plots = new List<Plot>();
        foreach (var (name, probability) in models)
        {
            var p = probability(gridPoints);
            var z = new double[grid, grid];
            for (int r = 0; r < grid; r++)
                for (int c = 0; c < grid; c++)
                    z[grid - 1 - r, c] = p[r * grid + c]; // heatmap row 0 is drawn at the top
            var plot = new Plot();
            var heatmap = plot.Add.Heatmap(z);
            heatmap.Extent = new CoordinateRect(min, max, min, max);
            heatmap.Colormap = new ScottPlot.Colormaps.MellowRainbow();
            heatmap.ManualRange = new ScottPlot.Range(0, 1);
            plot.Add.ColorBar(heatmap).Label = "P(true)";
            foreach (bool cls in new[] { false, true })
            {
                var xs = points.Where((_, i) => labels[i] == cls).Select(q => (double)q[0]).ToArray();
                var ys = points.Where((_, i) => labels[i] == cls).Select(q => (double)q[1]).ToArray();
                var scatter = plot.Add.ScatterPoints(xs, ys);
                scatter.Color = cls ? Colors.White : Colors.Black;
                scatter.MarkerShape = cls ? MarkerShape.FilledCircle : MarkerShape.FilledSquare;
                scatter.MarkerSize = points.Length > 20 ? 5 : 14;
                scatter.LegendText = cls ? "label true" : "label false";
            }
            plot.Title($"{title}: {name}");
            plot.Axes.SetLimits(min, max, min, max);
            plot.ShowLegend(Alignment.UpperRight);
            plots.Add(plot);
        }
        var multiplot = new Multiplot(plots[0]);
        foreach (var plot in plots.Skip(1)) multiplot.AddPlot(plot);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.SavePng(path, 620 * plots.Count, 560);
        return path;
    }
}
