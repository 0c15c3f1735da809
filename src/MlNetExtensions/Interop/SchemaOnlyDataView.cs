using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Interop;

/// <summary>
/// A data view with a schema and no rows: what ML.NET's transformers are fitted on when only the schema matters (building
/// the saved form of a model, or the schema a prediction transformer was trained on). ML.NET's own <c>EmptyDataView</c> is
/// internal.
/// </summary>
internal sealed class SchemaOnlyDataView(DataViewSchema schema) : IDataView
{
    public DataViewSchema Schema { get; } = schema;
    public bool CanShuffle => true;
    public long? GetRowCount() => 0;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(Schema);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [new Cursor(Schema)];

    /// <summary>A schema of <paramref name="columns"/> (name, type), without annotations.</summary>
    public static DataViewSchema SchemaOf(params (string Name, DataViewType Type)[] columns)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var (name, type) in columns) builder.AddColumn(name, type);
        return builder.ToSchema();
    }

    /// <summary><paramref name="schema"/> (hidden columns included, annotations kept) with one column appended.</summary>
    public static DataViewSchema Append(DataViewSchema schema, string name, DataViewType type)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(schema);
        builder.AddColumn(name, type);
        return builder.ToSchema();
    }

    private sealed class Cursor(DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema { get; } = schema;
        public override long Position => -1;
        public override long Batch => 0;
        public override bool MoveNext() => false;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            => throw new InvalidOperationException("A data view without rows has no values.");

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => throw new InvalidOperationException("A data view without rows has no row ids.");
    }
}
