using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Benchmarks;

/// <summary>Generated data sets for the benchmarks (in-memory IDataViews with a known-size Features vector).</summary>
internal static class SyntheticData
{
    public sealed class Row
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    /// <summary>y = xᵀθ + 1 + N(0, 1), x ~ N(0, 1)^d, θⱼ = (j mod 7) − 3.</summary>
    public static IDataView Regression(MLContext ml, int n, int d, int seed)
    {
        var rng = new Random(seed);
        var rows = new Row[n];
        for (int i = 0; i < n; i++)
        {
            var x = new float[d];
            double y = 1;
            for (int j = 0; j < d; j++)
            {
                x[j] = (float)Gaussian(rng);
                y += ((j % 7) - 3) * x[j];
            }
            rows[i] = new Row { Features = x, Label = (float)(y + Gaussian(rng)) };
        }
        return FromRows(ml, rows, d);
    }

    public static IDataView FromRows(MLContext ml, Row[] rows, int d)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>One cursor pass that only reads Features and Label: the floor any trainer that reads the data pays.</summary>
    public static double BarePass(IDataView data)
    {
        var features = data.Schema["Features"];
        var label = data.Schema["Label"];
        using var cursor = data.GetRowCursor([features, label]);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        var getLabel = cursor.GetGetter<float>(label);
        var buffer = default(VBuffer<float>);
        float y = 0;
        double sum = 0;
        while (cursor.MoveNext())
        {
            getFeatures(ref buffer);
            getLabel(ref y);
            sum += y + buffer.GetValues()[0];
        }
        return sum;
    }

    public static double Gaussian(Random rng)
        => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
