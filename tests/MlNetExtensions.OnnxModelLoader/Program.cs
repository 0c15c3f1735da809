using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

// usage: MlNetExtensions.OnnxModelLoader MODEL.zip DATA.csv
// Loads an ML.NET zip with nothing but Microsoft.ML (+ OnnxTransformer, OnnxRuntime), scores DATA.csv (header row,
// features f0..f{d-1}, then Label) and prints one line per row: the Score, Probability and PredictedLabel columns that
// exist, separated by ';' (vector values by ' '), in invariant culture with round-trip precision.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: MlNetExtensions.OnnxModelLoader MODEL.zip DATA.csv");
    return 2;
}
var ml = new MLContext(seed: 0);
int d = File.ReadLines(args[1]).First().Split(',').Length - 1;
var data = ml.Data.LoadFromTextFile(args[1], new[]
{
    new TextLoader.Column("Features", DataKind.Single, 0, d - 1),
    new TextLoader.Column("Label", DataKind.Single, d),
}, separatorChar: ',', hasHeader: true);

var model = ml.Model.Load(args[0], out _);
try
{
    var scored = model.Transform(data);
    var columns = new[] { "Score", "Probability", "PredictedLabel" }
        .Select(name => scored.Schema.GetColumnOrNull(name)).Where(c => c is not null).Select(c => c!.Value).ToArray();
    Console.Error.WriteLine("columns: " + string.Join(", ", columns.Select(c => $"{c.Name} {c.Type}")));
    using var cursor = scored.GetRowCursor(columns);
    var printers = columns.Select(c => Printer(cursor, c)).ToArray();
    while (cursor.MoveNext())
        Console.WriteLine(string.Join(";", printers.Select(p => p())));
}
finally
{
    (model as IDisposable)?.Dispose();
}
return 0;

static Func<string> Printer(DataViewRowCursor cursor, DataViewSchema.Column column)
{
    string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);
    switch (column.Type)
    {
        case VectorDataViewType:
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var value = default(VBuffer<float>);
            return () => { getter(ref value); return string.Join(" ", value.DenseValues().Select(F)); };
        }
        case KeyDataViewType:
        {
            var getter = cursor.GetGetter<uint>(column);
            uint value = 0;
            return () => { getter(ref value); return value.ToString(CultureInfo.InvariantCulture); };
        }
        case BooleanDataViewType:
        {
            var getter = cursor.GetGetter<bool>(column);
            bool value = false;
            return () => { getter(ref value); return value ? "True" : "False"; };
        }
        default:
        {
            var getter = cursor.GetGetter<float>(column);
            float value = 0;
            return () => { getter(ref value); return F(value); };
        }
    }
}
