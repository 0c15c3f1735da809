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
