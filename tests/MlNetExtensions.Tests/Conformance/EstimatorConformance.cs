using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Conformance;

/// <summary>
/// The estimator workout of ML.NET's own tests (<c>TestEstimatorCore</c> in Microsoft.ML.TestFramework), for this library's
/// estimators: schema propagation (the estimator's output shape equals what the fitted transformer reports and produces),
/// bad input failing with the exception types ML.NET's trainers use (<see cref="ArgumentOutOfRangeException"/> or
/// <see cref="InvalidOperationException"/>), the row-to-row mapper's schemas, the same values after a plain
/// <c>Model.Save</c>/<c>Model.Load</c> round trip and bit-identical ones after <c>LoadWithExtensions</c>, cursors over a
/// subset of the columns, and the mapper's row-by-row values (what <c>PredictionEngine</c> computes) equal to the batch's.
/// </summary>
internal static class EstimatorConformance
{
    /// <param name="ml">The context the estimator was made from.</param>
    /// <param name="estimator">The estimator under test (its feature column is "Features").</param>
    /// <param name="validFitInput">Data it must fit and score.</param>
    /// <param name="validForFitNotValidForTransformInput">Data it could fit but its fitted transformer must refuse (another
    /// feature width).</param>
    /// <param name="plainLoadTolerance">Largest relative difference allowed after a plain Model.Load (0: bit-identical).</param>
    public static void Check(MLContext ml, IEstimator<ITransformer> estimator, IDataView validFitInput,
        IDataView? validForFitNotValidForTransformInput = null, double plainLoadTolerance = 0)
    {
        // Schema propagation of the estimator, and refusal of input without the feature column, at every stage.
        var outShape = estimator.GetOutputSchema(TestData.ShapeOf(validFitInput));
        var invalidInput = ml.Transforms.DropColumns("Features").Fit(validFitInput).Transform(validFitInput);
        MustFail(() => estimator.GetOutputSchema(TestData.ShapeOf(invalidInput)));
        MustFail(() => estimator.Fit(invalidInput));
        if (validForFitNotValidForTransformInput is not null)
        {
            estimator.GetOutputSchema(TestData.ShapeOf(validForFitNotValidForTransformInput));
            estimator.Fit(validForFitNotValidForTransformInput);
        }

        var transformer = estimator.Fit(validFitInput);
        var (plain, plainSchema) = RoundTrip(ml, transformer, validFitInput.Schema, extensions: false);
        var (full, fullSchema) = RoundTrip(ml, transformer, validFitInput.Schema, extensions: true);

        var schema = transformer.GetOutputSchema(validFitInput.Schema);
        Assert.True(transformer.IsRowToRowMapper);
        var mapper = transformer.GetRowToRowMapper(validFitInput.Schema);
        Assert.Same(validFitInput.Schema, mapper.InputSchema);
        SameSchemas(schema, mapper.OutputSchema);
        SameSchemas(validFitInput.Schema, plainSchema);
        SameSchemas(validFitInput.Schema, fullSchema);

        var scored = transformer.Transform(validFitInput);
        SameSchemas(schema, scored.Schema);
        SameSchemas(schema, full.GetOutputSchema(validFitInput.Schema));
        SameSchemas(schema, full.Transform(validFitInput).Schema);
        // The plain load gives ML.NET's own chain: its columns must be those of the model, values within the tolerance.
        var plainScored = plain.Transform(validFitInput);
        var outputs = schema.Where(c => validFitInput.Schema.GetColumnOrNull(c.Name) is null && !c.IsHidden).Select(c => c.Name).ToArray();
        Assert.NotEmpty(outputs);
        foreach (var name in outputs)
        {
            Assert.NotNull(plainScored.Schema.GetColumnOrNull(name));
            Assert.Equal(scored.Schema[name].Type, plainScored.Schema[name].Type);
            SameValues(scored, full.Transform(validFitInput), name, 0);
            SameValues(scored, plainScored, name, plainLoadTolerance);
        }

        // A cursor over one output column alone sees the values a cursor over every column sees.
        foreach (var name in outputs)
            Assert.Equal(Values(scored, name, activeOnly: false), Values(scored, name, activeOnly: true));

        // Row by row through the mapper, as PredictionEngine scores, equals the batch.
        RowByRowEqualsBatch(validFitInput, mapper, scored, outputs);

        foreach (var bad in new[] { invalidInput, validForFitNotValidForTransformInput }.OfType<IDataView>())
        {
            MustFail(() => transformer.GetOutputSchema(bad.Schema));
            MustFail(() => transformer.Transform(bad));
            MustFail(() => full.GetOutputSchema(bad.Schema));
            MustFail(() => full.Transform(bad));
            MustFail(() => plain.Transform(bad));
        }

        // The estimator's output shape equals the fitted transformer's.
        var fittedShape = TestData.ShapeOf(scored);
        foreach (var column in outShape)
        {
            var fitted = fittedShape.FirstOrDefault(c => c.Name == column.Name);
            Assert.True(fitted.Name is not null, $"column '{column.Name}' missing after Fit");
            Assert.Equal(column.Kind, fitted.Kind);
            Assert.Equal(column.ItemType, fitted.ItemType);
            Assert.Equal(column.IsKey, fitted.IsKey);
            Assert.Equal(column.Annotations.Select(a => a.Name).Order(), fitted.Annotations.Select(a => a.Name).Order());
        }
        (plain as IDisposable)?.Dispose();
    }

    private static (ITransformer Model, DataViewSchema Schema) RoundTrip(MLContext ml, ITransformer model, DataViewSchema schema, bool extensions)
    {
        using var stream = new MemoryStream();
        if (extensions) ml.Model.SaveWithExtensions(model, schema, stream);
        else ml.Model.Save(model, schema, stream);
        stream.Position = 0;
        var loaded = extensions ? ml.Model.LoadWithExtensions(stream, out var loadedSchema) : ml.Model.Load(stream, out loadedSchema);
        return (loaded, loadedSchema);
    }

    /// <summary>ML.NET's contract: schema problems are ArgumentOutOfRangeException or InvalidOperationException, nothing else.</summary>
    private static void MustFail(Action action)
    {
        var e = Record.Exception(action);
        Assert.NotNull(e);
        Assert.True(e is ArgumentOutOfRangeException or InvalidOperationException, $"expected ArgumentOutOfRange/InvalidOperation, got {e.GetType().Name}: {e.Message}");
    }

    /// <summary>Same column names, types, hidden flags, and annotation names, types and values.</summary>
    public static void SameSchemas(DataViewSchema expected, DataViewSchema actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Name, actual[i].Name);
            Assert.Equal(expected[i].Type, actual[i].Type);
            Assert.Equal(expected[i].IsHidden, actual[i].IsHidden);
            var a = expected[i].Annotations.Schema;
            var b = actual[i].Annotations.Schema;
            Assert.Equal(a.Select(c => (c.Name, c.Type)), b.Select(c => (c.Name, c.Type)));
        }
    }

    private static void SameValues(IDataView expected, IDataView actual, string column, double relativeTolerance)
    {
        var a = Values(expected, column, activeOnly: true);
        var b = Values(actual, column, activeOnly: true);
        Assert.Equal(a.Count, b.Count);
        double scale = a.Select(Math.Abs).DefaultIfEmpty(0).Max() + 1e-30;
        for (int i = 0; i < a.Count; i++)
            Assert.True(a[i].Equals(b[i]) || Math.Abs(a[i] - b[i]) <= relativeTolerance * scale,
                $"column '{column}' value {i}: {a[i]:R} against {b[i]:R}");
    }

    /// <summary>A column's values as doubles (vectors flattened, Booleans 0/1, keys as their index).</summary>
    private static List<double> Values(IDataView data, string column, bool activeOnly)
    {
        var col = data.Schema[column];
        using var cursor = activeOnly ? data.GetRowCursor([col]) : data.GetRowCursor(data.Schema);
        var read = Reader(cursor, col);
        var values = new List<double>();
        while (cursor.MoveNext()) read(values);
        return values;
    }

    private static void RowByRowEqualsBatch(IDataView input, IRowToRowMapper mapper, IDataView scored, string[] outputs)
    {
        var columns = outputs.Select(n => mapper.OutputSchema[n]).ToArray();
        var rowByRow = outputs.ToDictionary(n => n, _ => new List<double>());
        using (var cursor = input.GetRowCursor(mapper.GetDependencies(columns)))
        using (var row = mapper.GetRow(cursor, columns))
        {
            var readers = columns.Select(c => (c.Name, Read: Reader(row, c))).ToArray();
            while (cursor.MoveNext())
                foreach (var (name, read) in readers) read(rowByRow[name]);
        }
        foreach (var name in outputs) Assert.Equal(Values(scored, name, activeOnly: true), rowByRow[name]);
    }

    private static Action<List<double>> Reader(DataViewRow row, DataViewSchema.Column column)
    {
        var type = column.Type;
        if (type is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Single)
        {
            var g = row.GetGetter<VBuffer<float>>(column);
            var v = default(VBuffer<float>);
            return list => { g(ref v); foreach (var x in v.DenseValues()) list.Add(x); };
        }
        if (type == NumberDataViewType.Single)
        {
            var g = row.GetGetter<float>(column);
            float v = 0;
            return list => { g(ref v); list.Add(v); };
        }
        if (type == BooleanDataViewType.Instance)
        {
            var g = row.GetGetter<bool>(column);
            bool v = false;
            return list => { g(ref v); list.Add(v ? 1 : 0); };
        }
        if (type is KeyDataViewType)
        {
            var g = row.GetGetter<uint>(column);
            uint v = 0;
            return list => { g(ref v); list.Add(v); };
        }
        throw new NotSupportedException($"Column '{column.Name}' of type {type} is not read by the conformance check.");
    }
}
