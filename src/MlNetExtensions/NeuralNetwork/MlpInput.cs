using MlNetExtensions.Data;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// Rows the network reads, in either layout: dense (row-major, rows × inputs) or sparse (<see cref="CsrRows"/>). Only the
/// first layer sees the difference: it runs <see cref="Gemm"/> on dense rows and <see cref="SparseGemm"/> on sparse ones,
/// which give the same values (see <see cref="SparseGemm"/>); every later layer reads the dense activations.
/// </summary>
internal readonly ref struct MlpInput
{
    private MlpInput(ReadOnlySpan<float> dense, CsrRows sparse, int rows, bool isSparse)
    {
        Dense = dense;
        Sparse = sparse;
        Rows = rows;
        IsSparse = isSparse;
    }

    /// <summary><paramref name="rows"/> dense rows, row-major.</summary>
    public static MlpInput FromDense(ReadOnlySpan<float> values, int rows) => new(values, default, rows, false);

    public static MlpInput FromSparse(CsrRows rows) => new(default, rows, rows.Rows, true);

    /// <summary>Rows [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>) of held training rows, without a copy.</summary>
    public static MlpInput From(FeatureRows rows, int from, int count) => rows switch
    {
        DenseRows dense => FromDense(dense.Rows(from, from + count), count),
        SparseRows sparse => FromSparse(new CsrRows(sparse.Offsets.AsSpan(from, count + 1), sparse.Indices, sparse.Values, sparse.FeatureCount)),
        _ => throw new ArgumentException($"Unknown row layout {rows.GetType().Name}.", nameof(rows)),
    };

    public ReadOnlySpan<float> Dense { get; }
    public CsrRows Sparse { get; }
    public int Rows { get; }
    public bool IsSparse { get; }
}
