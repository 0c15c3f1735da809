using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Tour;

/// <summary>Loads the shipped CSVs (features f0..f{d-1}, then Label) and prints aligned tables.</summary>
internal static class SampleData
{
    public static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "data", fileName);

    /// <summary>NAME.csv as a "Features" vector and a Single "Label".</summary>
    public static IDataView Load(MLContext ml, string fileName)
    {
        int d = File.ReadLines(PathOf(fileName)).First().Split(',').Length - 1;
        return ml.Data.LoadFromTextFile(PathOf(fileName), new[]
        {
            new TextLoader.Column("Features", DataKind.Single, 0, d - 1),
            new TextLoader.Column("Label", DataKind.Single, d),
        }, separatorChar: ',', hasHeader: true);
    }

    /// <summary>Renders rows as a Markdown table (so it can be pasted into the README as is).</summary>
    public static string Table(string[] header, IEnumerable<string[]> rows)
    {
        var all = new[] { header }.Concat(rows).ToList();
        var widths = header.Select((_, c) => all.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        void Line(string[] r) => sb.AppendLine("| " + string.Join(" | ", r.Select((v, c) => c == 0 ? v.PadRight(widths[c]) : v.PadLeft(widths[c]))) + " |");
        Line(all[0]);
        sb.AppendLine("|" + string.Join("|", widths.Select((w, c) => c == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var r in all.Skip(1)) Line(r);
        return sb.ToString();
    }

    public static string F(double value, string format = "F4") => value.ToString(format, CultureInfo.InvariantCulture);
}
