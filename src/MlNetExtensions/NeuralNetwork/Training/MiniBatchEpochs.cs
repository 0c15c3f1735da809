using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.NeuralNetwork.Losses;
using MlNetExtensions.NeuralNetwork.Optimizers;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.NeuralNetwork.Training;

/// <summary>
/// One epoch of mini-batch back-propagation: the rows in the epoch's order (<see cref="TrainingRandom.EpochOrder"/>), cut
/// into batches of <see cref="BatchSize"/> (the last one smaller), one optimizer step per batch on the weighted mean
/// loss of the batch plus λ·W. Buffers are allocated once; a batch allocates nothing.
/// </summary>
/// <remarks>
/// <para>
/// A batch of at least <see cref="SplitMinimumRows"/> rows is always processed as two fixed halves, each with its own
/// forward pass, loss and gradient, summed in a fixed order; the second half runs on a helper thread when one is
/// allowed (<see cref="HalfBatchWorker"/>), otherwise right after the first. Smaller batches run in one piece.
/// </para>
/// <para>
/// On sparse rows each piece keeps its first-layer weight gradient as the rows its non-zeros touch
/// (<see cref="SparseRowAccumulator"/>), and the optimizer reads them from there (<see cref="SparseRowGradient"/>) as
/// it steps over every parameter: no d × hidden gradient is held, cleared or summed. The values are the dense path's.
/// </para>
/// </remarks>
internal sealed class MiniBatchEpochs : IEpochRunner
{
    /// <summary>Below this many rows a batch is not split: the halves' hand-over would cost more than it saves.</summary>
    internal const int SplitMinimumRows = 128;

    private readonly IHostEnvironment _env;
    private readonly MlpNetwork _network;
    private readonly TrainingSet _train;
    private readonly int _seed;
    private readonly bool _shuffle, _sparse;
    private readonly float _lambda;
    private readonly double _trainWeight;
    private readonly ParameterOptimizer _optimizer;
    private readonly ParameterSegment[] _segments;
    private readonly float[] _gradient;
    private readonly BatchRows _batch;
    private readonly int[] _order;
    private readonly BatchPart _whole;
    private readonly BatchPart? _first, _second;
    private readonly HalfBatchWorker? _worker;
    private readonly Action? _runFirst;
    private readonly MlpOptimizer _optimizerKind;

    public MiniBatchEpochs(IHostEnvironment env, MlpNetwork network, OutputLoss loss, TrainingSet train, int units, float lambda,
        double trainWeight, MlpOptions options, int seed)
    {
        (_env, _network, _train, _lambda, _trainWeight, _seed, _shuffle) =
            (env, network, train, lambda, trainWeight, seed, options.Shuffle);
        int n = train.Count;
        _sparse = train.Features is SparseRows;
        BatchSize = Math.Min(options.BatchSize ?? MlpOptions.Defaults.BatchSize, n);
        _optimizer = ParameterOptimizer.Create(options, network.Parameters.Length);
        _optimizerKind = options.Optimizer;
        _segments = network.Segments();
        // Every parameter's gradient but, on sparse rows, the first layer's weights (the step reads those from the pieces).
        _gradient = new float[network.Parameters.Length - (_sparse ? network.FirstLayerWeightCount : 0)];
        _batch = new BatchRows(train.Features, BatchSize);
        _order = new int[n];
        // A batch in one piece writes the gradient in place; the halves have gradients of their own.
        _whole = new BatchPart(network, loss, units, BatchSize, _batch, _gradient);
        if (BatchSize >= SplitMinimumRows)
        {
            _first = new BatchPart(network, loss, units, (BatchSize + 1) / 2, _batch, null);
            _second = new BatchPart(network, loss, units, (BatchSize + 1) / 2, _batch, null);
            _runFirst = _first.Run;
            if (options.MaximumThreads >= 2) _worker = new HalfBatchWorker(_second.Run);
        }
    }

    public int BatchSize { get; }

    public void Restore(MlpTrainingState state, IChannel channel)
    {
        if (state.Optimizer != _optimizerKind || (_optimizer.FirstMoments?.Length ?? 0) != (state.FirstMoments?.Length ?? 0))
        {
            channel.Info(MessageSensitivity.None,
                $"The model's optimizer state is {state.Optimizer}'s; {_optimizerKind} starts with fresh moments.");
            return;
        }
        _optimizer.Restore(state.OptimizerSteps, state.FirstMoments, state.SecondMoments);
    }


    // The live arrays, not copies: the state is taken once, after the last epoch (two copies of a 150k × 32 network's
    // moments would be 40 MB more at the fit's peak).
    public (long Steps, float[]? FirstMoments, float[]? SecondMoments) OptimizerState()
        => (_optimizer.Steps, _optimizer.FirstMoments, _optimizer.SecondMoments);

    public (double MeanLoss, LbfgsOutcome? Outcome) Run(int epoch, double rate)
    {
        _optimizer.LearningRate = rate;
        int n = _train.Count;
        TrainingRandom.EpochOrder(_order, _seed, epoch, _shuffle);
        double epochLoss = 0;
        // ‖W‖² at the weights the next batch sees: summed here once, then by each step as it writes the weights.
        double squaredNorm = _lambda == 0 ? 0 : _network.SquaredWeightNorm();
        for (int start = 0; start < n; start += BatchSize)
        {
            MlNetInternals.ThrowIfCanceled(_env);
            int rows = Math.Min(BatchSize, n - start);
            _batch.Gather(_train, _order.AsSpan(start, rows));
            double weightSum = MlpLearner.Sum(_batch.Weights, rows);
            float scale = weightSum > 0 ? (float)(1 / weightSum) : 0f;
            bool split = _first is not null && rows >= SplitMinimumRows;
            double batchLoss;
            if (split)
            {
                _first!.Set(0, rows / 2, scale);
                _second!.Set(rows / 2, rows - rows / 2, scale);
                if (_worker is not null) _worker.Run(_runFirst!);
                else
                {
                    _first.Run();
                    _second.Run();
                }
                batchLoss = _first.Loss + _second.Loss;
            }
            else
            {
                _whole.Set(0, rows, scale);
                _whole.Run();
                batchLoss = _whole.Loss;
            }
            if (!double.IsFinite(batchLoss)) return (batchLoss, null);
            if (split) System.Numerics.Tensors.TensorPrimitives.Add(_first!.Gradient, _second!.Gradient, _gradient);
            // The batch's mean loss plus its penalty, both at the weights the batch saw, weighted by the batch's weight:
            // scikit-learn's loss_curve_ (and so its n_iter_no_change test) adds them up the same way.
            epochLoss += batchLoss + 0.5 * _lambda * squaredNorm * weightSum;
            var firstLayer = !_sparse ? default : split ? new SparseRowGradient(_first!.FirstLayer!, _second!.FirstLayer) : new SparseRowGradient(_whole.FirstLayer!);
            squaredNorm = _optimizer.Step(_network.Parameters, _gradient, _segments, _lambda, firstLayer);
        }
        return (epochLoss / _trainWeight, null);
    }

    public void Dispose() => _worker?.Dispose();

    /// <summary>
    /// A piece of a batch (half of it, or all of it): its rows' forward pass, loss and gradient (a whole batch's into the
    /// epoch's gradient, a half's into its own). The gradient has the network's layout, from the first layer's biases on when
    /// the rows are sparse (the first layer's weight gradient is then <see cref="FirstLayer"/>'s touched rows).
    /// </summary>
    private sealed class BatchPart
    {
        private readonly MlpNetwork _network;
        private readonly OutputLoss _loss;
        private readonly BatchRows _batch;
        private readonly int _units;
        private int _offset, _count;
        private float _scale;

        /// <param name="network">The network.</param>
        /// <param name="loss">The output loss.</param>
        /// <param name="units">Output units.</param>
        /// <param name="capacity">The most rows the piece holds.</param>
        /// <param name="batch">The batch the piece's rows are in.</param>
        /// <param name="gradient">Where the gradient goes, or null for an array of its own.</param>
        public BatchPart(MlpNetwork network, OutputLoss loss, int units, int capacity, BatchRows batch, float[]? gradient)
        {
            (_network, _loss, _units, _batch) = (network, loss, units, batch);
            Workspace = new MlpWorkspace(network, capacity);
            int skipped = batch.IsSparse ? network.FirstLayerWeightCount : 0;
            Gradient = gradient ?? new float[network.Parameters.Length - skipped];
            if (batch.IsSparse)
            {
                // Sized for a tenth of the non-zeros the piece can hold (text rows share most of their n-grams), and grown
                // by doubling in the first batches if a batch touches more rows.
                var first = network.Layers[0];
                FirstLayer = new SparseRowAccumulator(first.Inputs, first.Outputs, Math.Max(1024, batch.MostNonZeros(capacity) / 10));
            }
        }

        public MlpWorkspace Workspace { get; }
        public float[] Gradient { get; }
        public SparseRowAccumulator? FirstLayer { get; }
        public double Loss { get; private set; }

        public void Set(int offset, int count, float scale) => (_offset, _count, _scale) = (offset, count, scale);

        public void Run()
        {
            var input = _batch.Input(_offset, _count);
            _network.Forward(input, Workspace);
            Loss = _loss.Evaluate(Workspace.Activations[^1].AsSpan(0, _count * _units), _units, _batch.Labels.AsSpan(_offset, _count),
                _batch.Weights.AsSpan(_offset, _count), _count, _scale, writeGradient: true);
            _network.Backward(input, Workspace, Gradient, FirstLayer);
        }
    }
}
