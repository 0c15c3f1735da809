using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Sharding;

/// <summary>
/// Columns held in arrays as an ML.NET data view (what a Parquet shard is read into): scalars of Single, Boolean or text, and
/// known-size vectors of Single stored row-major. ML.NET's own in-memory views need a class per row shape.
/// </summary>
internal sealed class ColumnarDataView : IDataView
{
    private readonly Array[] _values;
    private readonly int _rows;

    /// <param name="columns">Each column's name and values: float[] (scalar), (float[] RowMajor, int Width) as a vector, bool[], or string[] (null as empty).</param>
    /// <param name="rows">Rows in every column.</param>
    public ColumnarDataView(IReadOnlyList<(string Name, object Values)> columns, int rows)
    {
        var builder = new DataViewSchema.Builder();
        _values = new Array[columns.Count];
        _widths = new int[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            var (name, values) = columns[i];
            switch (values)
            {
                case float[] scalars:
                    builder.AddColumn(name, NumberDataViewType.Single);
                    _values[i] = scalars;
                    break;
                case ValueTuple<float[], int> vector:
                    builder.AddColumn(name, new VectorDataViewType(NumberDataViewType.Single, vector.Item2));
                    _values[i] = vector.Item1;
                    _widths[i] = vector.Item2;
                    break;
                case bool[] flags:
                    builder.AddColumn(name, BooleanDataViewType.Instance);
                    _values[i] = flags;
                    break;
                case string?[] texts:
                    builder.AddColumn(name, TextDataViewType.Instance);
                    _values[i] = texts;
                    break;
                default:
                    throw new ArgumentException($"Column '{name}' has values of an unsupported type {values.GetType().Name}.", nameof(columns));
            }
        }
        Schema = builder.ToSchema();
        _rows = rows;
    }

    private readonly int[] _widths;

    public DataViewSchema Schema { get; }
    public bool CanShuffle => false;
    public long? GetRowCount() => _rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    private sealed class Cursor(ColumnarDataView view) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => view.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override bool MoveNext()
        {
            if (_position + 1 >= view._rows)
            {
                _position = view._rows;
                return false;
            }
            _position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var values = view._values[column.Index];
            Delegate getter = values switch
            {
                float[] vector when view._widths[column.Index] > 0 => VectorGetter(vector, view._widths[column.Index]),
                float[] scalars => (ValueGetter<float>)((ref float value) => value = scalars[_position]),
                bool[] flags => (ValueGetter<bool>)((ref bool value) => value = flags[_position]),
                string?[] texts => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = (texts[_position] ?? "").AsMemory()),
                _ => throw new InvalidOperationException($"Column '{column.Name}' has no getter."),
            };
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
                $"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        private ValueGetter<VBuffer<float>> VectorGetter(float[] values, int width)
            => (ref VBuffer<float> value) =>
            {
                var editor = VBufferEditor.Create(ref value, width);
                values.AsSpan((int)(_position * width), width).CopyTo(editor.Values);
                value = editor.Commit();
            };
    }
}
