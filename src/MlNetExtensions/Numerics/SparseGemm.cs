using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetExtensions.Numerics;

/// <summary>
/// Rows of a sparse matrix in compressed sparse row form, as spans: row r's non-zeros are
/// <c>Indices[Offsets[r]..Offsets[r + 1]]</c> (ascending column indices) with <c>Values</c> alongside. <see cref="Offsets"/>
/// holds <see cref="Rows"/> + 1 entries and need not start at 0, so a range of a larger matrix's rows is a slice of its
/// offsets over the same index and value arrays.
/// </summary>
internal readonly ref struct CsrRows
{
    public CsrRows(ReadOnlySpan<int> offsets, ReadOnlySpan<int> indices, ReadOnlySpan<float> values, int columns)
    {
        if (offsets.IsEmpty || indices.Length != values.Length || offsets[^1] > indices.Length || offsets[0] < 0)
            throw new ArgumentException("Sparse rows' offsets do not fit their indices and values.");
        Offsets = offsets;
        Indices = indices;
        Values = values;
        Columns = columns;
    }

    public ReadOnlySpan<int> Offsets { get; }
    public ReadOnlySpan<int> Indices { get; }
    public ReadOnlySpan<float> Values { get; }
    public int Columns { get; }
    public int Rows => Offsets.Length - 1;
    public int NonZeroCount => Offsets[^1] - Offsets[0];

    /// <summary>Rows [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>).</summary>
    public CsrRows Slice(int from, int count) => new(Offsets.Slice(from, count + 1), Indices, Values, Columns);
}

/// <summary>
/// The first layer of a network over sparse input: products of a <see cref="CsrRows"/> matrix A with a dense row-major
/// matrix B (a layer's weights, stored input-major), touching only A's non-zeros. Each non-zero (p, v) of row r adds
/// v·B[p, :] to C[r, :], a contiguous <see cref="Vector256"/> FMA over one row of B; its transpose product adds v·D[r, :]
/// to row p of the weight gradient.
/// </summary>
/// <remarks>
/// Every element's fused multiply-add chain runs over the non-zeros in the order <see cref="Gemm"/>'s dense kernels run
/// over all terms (the row's columns ascending for the product, the rows ascending for the transpose product), and a zero
/// term leaves an FMA accumulator unchanged, so these kernels give the dense kernels' results to the bit on the same
/// values; the sparse and dense training paths are then the same computation. Column indices are bounds-checked once per
/// non-zero.
/// </remarks>
internal static unsafe class SparseGemm
{
    /// <summary>C[m×n] = A·B (+ <paramref name="bias"/>[n] on every row when it is not empty), m = A's rows, B A.Columns × n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(in CsrRows a, ReadOnlySpan<float> b, int n, Span<float> c, ReadOnlySpan<float> bias)
    {
        int m = a.Rows, k = a.Columns;
        if (b.Length < (long)k * n || c.Length < (long)m * n || (!bias.IsEmpty && bias.Length < n))
            throw new ArgumentException("Matrix buffers are smaller than their stated shapes.");
        var offsets = a.Offsets;
        fixed (int* indices = a.Indices)
        fixed (float* values = a.Values, pb = b, pc = c, pbias = bias)
        {
            float* bi = bias.IsEmpty ? null : pbias;
            for (int r = 0; r < m; r++)
            {
                int start = offsets[r], end = offsets[r + 1];
                CheckIndices(indices, start, end, k);
                Row(indices, values, start, end, pb, n, pc + (long)r * n, bi);
            }
        }
    }

    /// <summary>
    /// Adds Aᵀ·D (D m × n, the layer's output gradient) to the rows of <paramref name="gradient"/> that A's non-zeros touch:
    /// the weight gradient of a layer whose input is A, without the n·A.Columns zeros of the rows no non-zero touches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposedLeft(in CsrRows a, ReadOnlySpan<float> d, int n, SparseRowAccumulator gradient)
    {
        int m = a.Rows, k = a.Columns;
        if (d.Length < (long)m * n || gradient.Width != n || gradient.RowCount != k)
            throw new ArgumentException("Matrix buffers are smaller than their stated shapes.");
        var offsets = a.Offsets;
        fixed (int* indices = a.Indices)
        fixed (float* values = a.Values, pd = d)
        {
            for (int r = 0; r < m; r++)
            {
                int start = offsets[r], end = offsets[r + 1];
                CheckIndices(indices, start, end, k);
                float* delta = pd + (long)r * n;
                for (int q = start; q < end; q++)
                {
                    fixed (float* target = gradient.RowFor(indices[q]))
                        Axpy(values[q], delta, target, n);
                }
            }
        }
    }

    private static void CheckIndices(int* indices, int start, int end, int columns)
    {
        for (int q = start; q < end; q++)
            if ((uint)indices[q] >= (uint)columns)
                throw new ArgumentException($"A sparse row holds column index {indices[q]}, outside [0, {columns}).");
    }

    /// <summary>c[n] = bias + Σ_q values[q]·B[indices[q], :]: four accumulators per 32 columns, as <see cref="Gemm"/>'s single row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(int* indices, float* values, int start, int end, float* b, int n, float* c, float* bias)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 32 <= n; j += 32)
            {
                Vector256<float> c0 = Init(bias, j), c1 = Init(bias, j + 8), c2 = Init(bias, j + 16), c3 = Init(bias, j + 24);
                for (int q = start; q < end; q++)
                {
                    float* bp = b + (long)indices[q] * n + j;
                    var x = Vector256.Create(values[q]);
                    c0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp), c0);
                    c1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp + 8), c1);
                    c2 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp + 16), c2);
                    c3 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp + 24), c3);
                }
                c0.Store(c + j); c1.Store(c + j + 8); c2.Store(c + j + 16); c3.Store(c + j + 24);
            }
            for (; j + 8 <= n; j += 8)
            {
                var acc = Init(bias, j);
                for (int q = start; q < end; q++)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(values[q]), Vector256.Load(b + (long)indices[q] * n + j), acc);
                acc.Store(c + j);
            }
        }
        for (; j < n; j++)
        {
            float s = bias == null ? 0 : bias[j];
            for (int q = start; q < end; q++)
                s = MathF.FusedMultiplyAdd(values[q], b[(long)indices[q] * n + j], s);
            c[j] = s;
        }
    }

    /// <summary>target[n] = FMA(v, delta, target), the same per-element chain as the dense transpose product's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(float v, float* delta, float* target, int n)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var x = Vector256.Create(v);
            for (; j + 8 <= n; j += 8)
                Vector256.FusedMultiplyAdd(x, Vector256.Load(delta + j), Vector256.Load(target + j)).Store(target + j);
        }
        for (; j < n; j++) target[j] = MathF.FusedMultiplyAdd(v, delta[j], target[j]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Init(float* bias, int j) => bias == null ? Vector256<float>.Zero : Vector256.Load(bias + j);
}

/// <summary>
/// The rows of a k × n matrix that a sparse product touches, held compactly: each touched row gets a slot (in the order
/// first touched) of n values, starting at zero; untouched rows are implicitly zero. Memory O(k) for the slot map plus
/// O(touched · n), never k·n. <see cref="Clear"/> costs O(touched).
/// </summary>
/// <remarks>The slots grow by doubling when a product touches more rows than they hold, so after the first batches have
/// reached the most rows a batch touches, training allocates nothing more.</remarks>
internal sealed class SparseRowAccumulator
{
    private readonly int[] _slotOf;
    private int[] _rows;
    private float[] _values;

    /// <param name="rowCount">k, the matrix's rows (the layer's inputs).</param>
    /// <param name="width">n, the values a row (the layer's outputs).</param>
    /// <param name="capacity">Rows the slots hold before they grow.</param>
    public SparseRowAccumulator(int rowCount, int width, int capacity)
    {
        RowCount = rowCount;
        Width = width;
        _slotOf = new int[rowCount];
        Array.Fill(_slotOf, -1);
        capacity = Math.Clamp(capacity, 1, rowCount);
        _rows = new int[capacity];
        _values = new float[(long)capacity * width];
    }

    public int RowCount { get; }
    public int Width { get; }

    /// <summary>Rows touched since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>The touched row indices, in slot order.</summary>
    public ReadOnlySpan<int> Rows => _rows.AsSpan(0, Count);

    /// <summary>The slot of row <paramref name="row"/>, or −1 when it is untouched.</summary>
    public int SlotOf(int row) => _slotOf[row];

    /// <summary>The values of slot <paramref name="slot"/> (row <c>Rows[slot]</c>).</summary>
    public ReadOnlySpan<float> Slot(int slot) => _values.AsSpan(slot * Width, Width);

    /// <summary>Row <paramref name="row"/>'s values, given a zeroed slot the first time it is asked for.</summary>
    public Span<float> RowFor(int row)
    {
        int slot = _slotOf[row];
        if (slot < 0)
        {
            if (Count == _rows.Length) Grow(Count + 1);
            slot = Count++;
            _slotOf[row] = slot;
            _rows[slot] = row;
            var values = _values.AsSpan(slot * Width, Width);
            values.Clear();
            return values;
        }
        return _values.AsSpan(slot * Width, Width);
    }

    /// <summary>Forgets every touched row (O(touched)).</summary>
    public void Clear()
    {
        foreach (int row in Rows) _slotOf[row] = -1;
        Count = 0;
    }

    /// <summary>Writes the touched rows into the dense row-major k × n <paramref name="dense"/> (other rows untouched).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CopyTo(Span<float> dense)
    {
        for (int s = 0; s < Count; s++) Slot(s).CopyTo(dense.Slice(_rows[s] * Width, Width));
    }

    /// <summary>Adds the touched rows into <paramref name="dense"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddTo(Span<float> dense)
    {
        for (int s = 0; s < Count; s++)
        {
            var target = dense.Slice(_rows[s] * Width, Width);
            System.Numerics.Tensors.TensorPrimitives.Add(target, Slot(s), target);
        }
    }

    /// <summary>Adds the touched rows into the double-precision <paramref name="dense"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddTo(Span<double> dense)
    {
        for (int s = 0; s < Count; s++)
        {
            var target = dense.Slice(_rows[s] * Width, Width);
            var source = Slot(s);
            for (int j = 0; j < source.Length; j++) target[j] += source[j];
        }
    }

    /// <summary>Zeroes the touched rows in <paramref name="dense"/> (what <see cref="CopyTo"/> wrote).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ClearRowsIn(Span<float> dense)
    {
        for (int s = 0; s < Count; s++) dense.Slice(_rows[s] * Width, Width).Clear();
    }

    private void Grow(int needed)
    {
        int size = (int)Math.Min(Math.Max(2L * _rows.Length, needed), RowCount);
        Array.Resize(ref _rows, size);
        Array.Resize(ref _values, size * Width);
    }
}
