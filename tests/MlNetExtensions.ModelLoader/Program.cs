using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

// usage: LOADER MODEL.zip DATA.csv
// Loads DATA.csv (header row, features f0..f{d-1}, then Label) as "Features" + Single "Label", scores it with the saved
// model and prints a header line naming the Score, Probability and PredictedLabel columns present, then per row their
// values tab-separated: Single as its bits in hex, vectors as comma-separated bits, Boolean as true/false, keys as numbers.
// The same source builds MlNetExtensions.ModelLoader (Microsoft.ML only) and MlNetExtensions.OnnxModelLoader
// (+ OnnxTransformer and OnnxRuntime, for the MLP's zips).
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: LOADER MODEL.zip DATA.csv");
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
    string[] outputs = ["Score", "Probability", "PredictedLabel"];
    var columns = outputs.Where(c => scored.Schema.GetColumnOrNull(c) is not null).ToArray();
    Console.WriteLine(string.Join('\t', columns));
    using var cursor = scored.GetRowCursor(columns.Select(c => scored.Schema[c]));
    var getters = columns.Select(c => MakeGetter(cursor, scored.Schema[c])).ToArray();
    while (cursor.MoveNext())
        Console.WriteLine(string.Join('\t', getters.Select(g => g())));
}
finally
{
    (model as IDisposable)?.Dispose(); // an OnnxTransformer keeps a temporary copy of its graph until disposed
}
return 0;

static Func<string> MakeGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
{
    if (column.Type == NumberDataViewType.Single)
    {
        var g = cursor.GetGetter<float>(column);
        return () => { float v = 0; g(ref v); return BitConverter.SingleToInt32Bits(v).ToString("X8", CultureInfo.InvariantCulture); };
    }
    if (column.Type == BooleanDataViewType.Instance)
    {
        var g = cursor.GetGetter<bool>(column);
        return () => { bool v = false; g(ref v); return v ? "true" : "false"; };
    }
    if (column.Type is KeyDataViewType)
    {
        var g = cursor.GetGetter<uint>(column);
        return () => { uint v = 0; g(ref v); return v.ToString(CultureInfo.InvariantCulture); };
    }
    if (column.Type is VectorDataViewType)
    {
        var g = cursor.GetGetter<VBuffer<float>>(column);
        return () =>
        {
            var v = default(VBuffer<float>);
            g(ref v);
            return string.Join(',', v.DenseValues().Select(x => BitConverter.SingleToInt32Bits(x).ToString("X8", CultureInfo.InvariantCulture)));
        };
    }
    throw new NotSupportedException($"Column '{column.Name}' has type {column.Type}.");
}
