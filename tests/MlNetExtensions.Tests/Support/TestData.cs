using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Tests.Support;

/// <summary>The shipped data sets (data/*.csv: features f0..f{d-1}, then Label) and small generated ones.</summary>
public static class TestData
{
    public static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "data", fileName);

    /// <summary>Loads NAME.csv as a "Features" vector column and a Single "Label".</summary>
    public static IDataView Load(MLContext ml, string fileName)
    {
        int d = FeatureCount(fileName);
        return ml.Data.LoadFromTextFile(PathOf(fileName), new[]
        {
            new TextLoader.Column("Features", DataKind.Single, 0, d - 1),
            new TextLoader.Column("Label", DataKind.Single, d),
        }, separatorChar: ',', hasHeader: true);
    }

    public static int FeatureCount(string fileName)
        => File.ReadLines(PathOf(fileName)).First().Split(',').Length - 1;

    /// <summary>The CSV as doubles, for independent computations: X (n × d) and y.</summary>
    public static (double[,] X, double[] Y) ReadMatrix(string fileName)
    {
        var rows = File.ReadLines(PathOf(fileName)).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        int n = rows.Length, d = rows[0].Length - 1;
        var x = new double[n, d];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) x[i, j] = (float)rows[i][j];
            y[i] = (float)rows[i][d];
        }
        return (x, y);
    }

    /// <summary>In-memory rows with a fixed-width feature vector.</summary>
    public static IDataView FromRows(MLContext ml, float[][] features, float[] labels, float[]? weights = null)
    {
        int d = features.Length == 0 ? 1 : features[0].Length;
        var rows = features.Select((f, i) => new Row { Features = f, Label = labels[i], Weight = weights?[i] ?? 1f }).ToArray();
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>y = Xθ + b (+ Gaussian noise of the given σ), X standard normal, from a seed.</summary>
    public static (float[][] X, float[] Y) Linear(int n, double[] theta, double bias, double noise, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n][];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = new float[theta.Length];
            double s = bias;
            for (int j = 0; j < theta.Length; j++)
            {
                x[i][j] = (float)Gaussian(rng);
                s += theta[j] * x[i][j];
            }
            y[i] = (float)(s + noise * Gaussian(rng));
        }
        return (x, y);
    }

    /// <summary>The <see cref="SchemaShape"/> of a data view (ML.NET's own SchemaShape.Create is internal in 5.0).</summary>
    public static SchemaShape ShapeOf(IDataView data)
    {
        var create = typeof(SchemaShape).GetMethod("Create",
            System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic,
            [typeof(DataViewSchema)])!;
        return (SchemaShape)create.Invoke(null, [data.Schema])!;
    }

    public static double Gaussian(Random rng)
        => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public sealed class Row
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
        public float Weight { get; set; }
    }
}
