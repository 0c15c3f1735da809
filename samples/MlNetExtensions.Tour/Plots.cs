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
}
