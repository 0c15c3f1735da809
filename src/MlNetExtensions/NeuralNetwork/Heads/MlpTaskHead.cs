using Microsoft.ML;
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

    /// <summary>Adds the output layer's nodes (reading <paramref name="hidden"/> with initializers W{layer}, b{layer}) and the graph outputs.</summary>
    public abstract void AddOnnxOutputs(OnnxGraphWriter writer, string hidden, int layer, int units);

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

        public override void AddOnnxOutputs(OnnxGraphWriter writer, string hidden, int layer, int units)
        {
            writer.AddNode("Gemm", [hidden, $"W{layer}", $"b{layer}"], "Score");
            writer.AddNode("Sigmoid", ["Score"], "Probability");
            writer.AddOutput("Score", units);
            writer.AddOutput("Probability", units);
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

        public override void AddOnnxOutputs(OnnxGraphWriter writer, string hidden, int layer, int units)
        {
            writer.AddNode("Gemm", [hidden, $"W{layer}", $"b{layer}"], "logits");
            writer.AddNode("Softmax", ["logits"], "Score", intAttribute: ("axis", 1));
            writer.AddOutput("Score", units);
        }
    }
}
