using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.NeuralNetwork.Losses;
using MlNetExtensions.NeuralNetwork.Onnx;

namespace MlNetExtensions.NeuralNetwork.Heads;

/// <summary>
/// Everything that depends on what an MLP predicts, in one place per task: the label it reads, the number of output
/// units, the loss, ML.NET's own model for the output layer (so the output columns and their annotations are ML.NET's),
/// and the output nodes of the exported ONNX graph.
/// </summary>
internal abstract class MlpTaskHead
{
    public static MlpTaskHead For(MlpTask task) => task switch
    {
        MlpTask.Regression => RegressionHead.Instance,
        MlpTask.BinaryClassification => BinaryHead.Instance,
        MlpTask.MulticlassClassification => MulticlassHead.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown MLP task."),
    };

    public abstract MlpTask Task { get; }

    /// <summary>What the label column must hold.</summary>
    public abstract LabelKind LabelKind { get; }

    /// <summary>Units of the output layer for data with <paramref name="classCount"/> classes (the reader's count).</summary>
    public abstract int OutputUnits(int classCount);

    /// <summary>The loss on the output layer's pre-activations.</summary>
    public abstract OutputLoss Loss { get; }

    /// <summary>Classes of a classifier with <paramref name="outputUnits"/> output units (stratifies the validation split); 0 for regression.</summary>
    public abstract int StratificationClasses(int outputUnits);

    /// <summary>
    /// The output biases a fresh network starts from: the ones that make its first prediction the best constant one
    /// for the training labels (the zero-weight optimum), so training spends no epochs moving the bias there.
    /// </summary>
    public abstract float[] InitialOutputBiases(ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, int outputUnits);

    /// <summary>Weighted share of each class 0 … <paramref name="classes"/> − 1, floored at 1e-6 so that its log stays finite.</summary>
    private protected static double[] ClassShares(ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, int classes)
    {
        var share = new double[classes];
        double total = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            share[(int)labels[i]] += weights[i];
            total += weights[i];
        }
        for (int k = 0; k < classes; k++) share[k] = Math.Max(share[k] / total, MinimumShare);
        return share;
    }

    private const double MinimumShare = 1e-6;

    /// <summary>
    /// The output layer as ML.NET's own prediction transformer reading <paramref name="inputColumnName"/>: weights given
    /// one array per output unit (length = the layer's inputs), one bias per unit.
    /// </summary>
    public abstract ITransformer CreateOutputLayer(IHostEnvironment env, float[][] weightsPerUnit, float[] biases, DataViewSchema schema,
        string inputColumnName, string labelColumnName, IReadOnlyList<string>? classNames);

    /// <summary>The columns the output layer adds, named as ML.NET's scorers name them.</summary>
    public abstract IReadOnlyList<string> OutputColumnNames { get; }

    /// <summary>
    /// A getter of output column <paramref name="column"/> (one of <see cref="OutputColumnNames"/>, typed as ML.NET's scorer
    /// types it) that reads the current row's logits from <paramref name="row"/>. The values are those ML.NET's own output
    /// layer computes from the same logits, by the same formulas (Platt σ in double, ML.NET's log-sum-exp softmax, the
    /// first maximum as the predicted class), so they agree with a chain loaded by plain <c>Model.Load</c> to the rounding
    /// of the logits.
    /// </summary>
    public abstract Delegate MakeGetter(DataViewSchema.Column column, IMlpLogits row);

    /// <summary>
    /// The getters of <paramref name="outputColumns"/> over <paramref name="row"/>, into <paramref name="getters"/> at each
    /// column's index: one <see cref="MakeGetter"/> each, unless a head's columns share work per row (multiclass).
    /// </summary>
    public virtual void MakeGetters(IEnumerable<DataViewSchema.Column> outputColumns, IMlpLogits row, Delegate?[] getters)
    {
        foreach (var c in outputColumns) getters[c.Index] = MakeGetter(c, row);
    }

    /// <summary>Adds the output layer's nodes (reading <paramref name="hidden"/> with initializers W{layer}, b{layer}) and the graph outputs.</summary>
    public abstract void AddOnnxOutputs(OnnxGraphWriter writer, string hidden, int layer, int units);

    private const string ScoreColumn = "Score", ProbabilityColumn = "Probability", PredictedLabelColumn = "PredictedLabel";

    private static InvalidOperationException Unknown(DataViewSchema.Column column)
        => new($"Column '{column.Name}' is not an output of the MLP's output layer.");

    private sealed class RegressionHead : MlpTaskHead
    {
        public static readonly RegressionHead Instance = new();
        public override MlpTask Task => MlpTask.Regression;
        public override LabelKind LabelKind => LabelKind.Regression;
        public override int OutputUnits(int classCount) => 1;
        public override OutputLoss Loss { get; } = new SquaredErrorLoss();
        public override int StratificationClasses(int outputUnits) => 0;

        /// <summary>The weighted label mean.</summary>
        public override float[] InitialOutputBiases(ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, int outputUnits)
        {
            double sum = 0, total = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                sum += (double)weights[i] * labels[i];
                total += weights[i];
            }
            return [(float)(sum / total)];
        }

        public override ITransformer CreateOutputLayer(IHostEnvironment env, float[][] weightsPerUnit, float[] biases, DataViewSchema schema,
            string inputColumnName, string labelColumnName, IReadOnlyList<string>? classNames)
            => MlNetInternals.CreateRegressionTransformer(env,
                MlNetInternals.CreateLinearRegressionModel(env, weightsPerUnit[0], biases[0]), schema, inputColumnName);

        public override IReadOnlyList<string> OutputColumnNames { get; } = [ScoreColumn];

        public override Delegate MakeGetter(DataViewSchema.Column column, IMlpLogits row)
            => column.Name == ScoreColumn ? (ValueGetter<float>)((ref float value) => value = row.Logits[0]) : throw Unknown(column);

        public override void AddOnnxOutputs(OnnxGraphWriter writer, string hidden, int layer, int units)
        {
            writer.AddNode("Gemm", [hidden, $"W{layer}", $"b{layer}"], "Score");
            writer.AddOutput("Score", units);
        }
    }

    private sealed class BinaryHead : MlpTaskHead
    {
        public static readonly BinaryHead Instance = new();
        public override MlpTask Task => MlpTask.BinaryClassification;
        public override LabelKind LabelKind => LabelKind.Binary;
        public override int OutputUnits(int classCount) => 1;
        public override OutputLoss Loss { get; } = new BinaryCrossEntropyLoss();
        public override int StratificationClasses(int outputUnits) => 2;

        /// <summary>The log-odds of the weighted base rate p: σ(b) = p.</summary>
        public override float[] InitialOutputBiases(ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, int outputUnits)
        {
            var share = ClassShares(labels, weights, 2);
            return [(float)Math.Log(share[1] / share[0])];
        }

        public override ITransformer CreateOutputLayer(IHostEnvironment env, float[][] weightsPerUnit, float[] biases, DataViewSchema schema,
            string inputColumnName, string labelColumnName, IReadOnlyList<string>? classNames)
            => MlNetInternals.CreateBinaryTransformer(env,
                MlNetInternals.CreateCalibratedLinearBinaryModel(env, weightsPerUnit[0], biases[0], null), schema, inputColumnName);

        public override IReadOnlyList<string> OutputColumnNames { get; } = [ScoreColumn, ProbabilityColumn, PredictedLabelColumn];

        public override Delegate MakeGetter(DataViewSchema.Column column, IMlpLogits row) => column.Name switch
        {
            ScoreColumn => (ValueGetter<float>)((ref float value) => value = row.Logits[0]),
            // PlattCalibrator(slope −1, offset 0).PredictProbability, in the same double arithmetic.
            ProbabilityColumn => (ValueGetter<float>)((ref float value) =>
            {
                float score = row.Logits[0];
                value = float.IsNaN(score) ? score : (float)(1 / (1 + Math.Exp(-1.0 * score + 0.0)));
            }),
            // BinaryClassifierScorer: score > threshold 0, as Boolean, or as a key 2 : 1 when the label was a key.
            PredictedLabelColumn when column.Type is KeyDataViewType =>
                (ValueGetter<uint>)((ref uint value) => value = row.Logits[0] > 0f ? 2u : 1u),
            PredictedLabelColumn => (ValueGetter<bool>)((ref bool value) => value = row.Logits[0] > 0f),
            _ => throw Unknown(column),
        };

        public override void AddOnnxOutputs(OnnxGraphWriter writer, string hidden, int layer, int units)
        {
            writer.AddNode("Gemm", [hidden, $"W{layer}", $"b{layer}"], "Score");
            writer.AddNode("Sigmoid", ["Score"], "Probability");
            writer.AddInitializer("zero", new float[] { 0 }, 1);
            writer.AddNode("Greater", ["Score", "zero"], "PredictedLabel");
            writer.AddOutput("Score", units);
            writer.AddOutput("Probability", units);
            writer.AddOutput("PredictedLabel", units, OnnxGraphWriter.BoolElementType);
        }
    }

    private sealed class MulticlassHead : MlpTaskHead
    {
        public static readonly MulticlassHead Instance = new();
        public override MlpTask Task => MlpTask.MulticlassClassification;
        public override LabelKind LabelKind => LabelKind.Multiclass;
        public override int OutputUnits(int classCount) => classCount;
        public override OutputLoss Loss { get; } = new SoftmaxCrossEntropyLoss();
        public override int StratificationClasses(int outputUnits) => outputUnits;

        /// <summary>The log of each class's weighted frequency: the softmax of the biases is the class distribution.</summary>
        public override float[] InitialOutputBiases(ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, int outputUnits)
            => ClassShares(labels, weights, outputUnits).Select(p => (float)Math.Log(p)).ToArray();

        public override ITransformer CreateOutputLayer(IHostEnvironment env, float[][] weightsPerUnit, float[] biases, DataViewSchema schema,
            string inputColumnName, string labelColumnName, IReadOnlyList<string>? classNames)
        {
            var maxEnt = MlNetInternals.CreateMaximumEntropyModel(env, weightsPerUnit, biases, weightsPerUnit[0].Length, classNames?.ToArray());
            return MlNetInternals.CreateMulticlassTransformer(env, maxEnt, schema, inputColumnName, labelColumnName);
        }

        public override IReadOnlyList<string> OutputColumnNames { get; } = [ScoreColumn, PredictedLabelColumn];

        public override Delegate MakeGetter(DataViewSchema.Column column, IMlpLogits row) => MakeGetter(column, new RowProbabilities(row));

        /// <summary>Score and PredictedLabel over one <see cref="RowProbabilities"/>: the softmax runs once per row for both.</summary>
        public override void MakeGetters(IEnumerable<DataViewSchema.Column> outputColumns, IMlpLogits row, Delegate?[] getters)
        {
            var shared = new RowProbabilities(row);
            foreach (var c in outputColumns) getters[c.Index] = MakeGetter(c, shared);
        }

        /// <summary>The current row's class probabilities, computed once per row position.</summary>
        private sealed class RowProbabilities(IMlpLogits row)
        {
            private long _computedAt = long.MinValue;

            public float[] Values { get; private set; } = [];

            public float[] Compute()
            {
                if (_computedAt == row.Position && _computedAt >= 0) return Values;
                var logits = row.Logits;
                if (Values.Length != logits.Length) Values = new float[logits.Length];
                Softmax(logits, Values);
                _computedAt = row.Position;
                return Values;
            }
        }

        private static Delegate MakeGetter(DataViewSchema.Column column, RowProbabilities shared)
            => column.Name switch
            {
                ScoreColumn => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    var probabilities = shared.Compute();
                    var editor = VBufferEditor.Create(ref value, probabilities.Length);
                    probabilities.CopyTo(editor.Values);
                    value = editor.Commit();
                }),
                // MulticlassClassificationScorer: the first maximum (NaN skipped) as key index + 1; 0 when all are NaN.
                PredictedLabelColumn => (ValueGetter<uint>)((ref uint value) =>
                {
                    var probabilities = shared.Compute();
                    int best = -1;
                    float max = float.NegativeInfinity;
                    for (int k = 0; k < probabilities.Length; k++)
                        if (probabilities[k] > max || (best < 0 && !float.IsNaN(probabilities[k]))) { max = probabilities[k]; best = k; }
                    value = best < 0 ? 0u : (uint)best + 1;
                }),
                _ => throw Unknown(column),
            };

        /// <summary>
        /// MaximumEntropyModelParameters.Calibrate: p_k = exp(z_k − log Σ exp z) with ML.NET's log-sum-exp (the maximum
        /// first, terms below max − 30 skipped, summed in double), so the probabilities are ML.NET's for the same logits.
        /// </summary>
        internal static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
        {
            int maxIndex = 0;
            float max = float.NegativeInfinity;
            for (int i = 0; i < logits.Length; i++)
                if (logits[i] > max) { maxIndex = i; max = logits[i]; }
            float logSum;
            if (float.IsNegativeInfinity(max) || logits.Length == 1)
                logSum = max;
            else
            {
                double intermediate = 0.0;
                float cutoff = max - 30;
                for (int i = 0; i < logits.Length; i++)
                    if (i != maxIndex && logits[i] > cutoff) intermediate += Math.Exp(logits[i] - max);
                logSum = intermediate > 0.0 ? (float)(max + Math.Log(1.0 + intermediate)) : max;
            }
            for (int i = 0; i < logits.Length; i++) probabilities[i] = (float)Math.Exp(logits[i] - logSum);
        }

        public override void AddOnnxOutputs(OnnxGraphWriter writer, string hidden, int layer, int units)
        {
            writer.AddNode("Gemm", [hidden, $"W{layer}", $"b{layer}"], "logits");
            writer.AddNode("Softmax", ["logits"], "Score", intAttribute: ("axis", 1));
            // The key ML.NET's scorer gives: the first most probable class, counting from 1, as UInt32.
            writer.AddNode("ArgMax", ["Score"], "class_index", intAttribute: ("axis", 1));
            writer.AddInt64Initializer("one", [1], 1);
            writer.AddNode("Add", ["class_index", "one"], "class_key");
            writer.AddNode("Cast", ["class_key"], "PredictedLabel", intAttribute: ("to", OnnxGraphWriter.UInt32ElementType));
            writer.AddOutput("Score", units);
            writer.AddOutput("PredictedLabel", 1, OnnxGraphWriter.UInt32ElementType);
        }
    }
}

/// <summary>The logits of the row a cursor or row is on, and that row's position (for caching per row).</summary>
internal interface IMlpLogits
{
    ReadOnlySpan<float> Logits { get; }
    long Position { get; }
}
