using System.Text;
using Microsoft.ML.Data;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// The <c>Mlp</c> section of an extension entry: everything about a fitted MLP that ML.NET's objects in the saved chain
/// do not hold. The weights are not here: they are in those objects (see <see cref="MlpSavedModelBuilder"/>).
/// </summary>
/// <remarks>
/// Binary layout, version 1 (little-endian, strings as <see cref="BinaryWriter.Write(string)"/>):
/// <code>
/// int32    task (MlpTask)            int32    activation (MlpActivation)      float32  LeakyReLU slope
/// int32    number of layer sizes     int32[]  layer sizes (features, hidden…, outputs), true widths (not padded)
/// string   feature column            string   hidden column name used in the saved chain
/// int32    best epoch
/// int32    n, float64[n]  training loss per epoch
/// int32    n (−1 = none), float64[n]  validation loss per epoch
/// int32    n (−1 = none), string[n]  class names
/// int32    n (−1 = none), n × option: string name, byte tag, value   (tag 0 null, 1 int32, 2 float64, 3 bool, 4 string, 5 int32[], 6 int64)
/// </code>
/// To add a field: append it, bump <see cref="Version"/>, and read it only when the section's version is at least the new
/// one (older files keep loading). Options are stored by name, so a new <see cref="MlpOptions"/> knob needs only a line in
/// <see cref="OptionCodecs"/>; an option a newer version wrote and this one does not know is skipped.
/// </remarks>
internal static class MlpModelParametersFormat
{
    public const string SectionKind = "Mlp";
    public const int Version = 1;

    /// <summary>The section's content, as read.</summary>
    public sealed record Metadata(MlpTask Task, MlpActivation Activation, float LeakyReluSlope, int[] LayerSizes, string FeatureColumnName,
        string HiddenColumnName, int BestEpoch, double[] TrainingLoss, double[]? ValidationLoss, string[]? ClassNames, MlpOptions? Options)
    {
        public DataViewType FeatureColumnType => new VectorDataViewType(NumberDataViewType.Single, LayerSizes[0]);
    }

    public static byte[] Write(MlpModelParameters model, string featureColumnName, string hiddenColumnName)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write((int)model.Task);
            w.Write((int)model.Activation);
            w.Write(model.LeakyReluSlope);
            WriteInts(w, model.LayerSizes.ToArray());
            w.Write(featureColumnName);
            w.Write(hiddenColumnName);
            w.Write(model.BestEpoch);
            WriteDoubles(w, model.TrainingLoss.ToArray());
            WriteDoubles(w, model.ValidationLoss?.ToArray());
            if (model.ClassNames is { } names)
            {
                w.Write(names.Count);
                foreach (var name in names) w.Write(name);
            }
            else w.Write(-1);
            WriteOptions(w, model.TrainingOptions);
        }
        return buffer.ToArray();
    }

    /// <exception cref="InvalidDataException">The payload is truncated or holds values no fitted MLP has.</exception>
    public static Metadata Read(ReadOnlySpan<byte> payload, int version, string where)
    {
        using var r = new BinaryReader(new MemoryStream(payload.ToArray(), writable: false), Encoding.UTF8);
        try
        {
            var task = (MlpTask)r.ReadInt32();
            var activation = (MlpActivation)r.ReadInt32();
            float slope = r.ReadSingle();
            var sizes = ReadInts(r, where) ?? throw Bad(where, "no layer sizes");
            string feature = r.ReadString();
            string hidden = r.ReadString();
            int bestEpoch = r.ReadInt32();
            var training = ReadDoubles(r, where) ?? throw Bad(where, "no training loss");
            var validation = ReadDoubles(r, where);
            int classCount = r.ReadInt32();
            string[]? classNames = null;
            if (classCount >= 0)
            {
                CheckCount(classCount, r, where);
                classNames = new string[classCount];
                for (int i = 0; i < classCount; i++) classNames[i] = r.ReadString();
            }
            var options = ReadOptions(r, where);
            if (!Enum.IsDefined(task) || !Enum.IsDefined(activation) || !float.IsFinite(slope) || sizes.Length < 2 || sizes.Any(s => s <= 0)
                || string.IsNullOrEmpty(feature) || string.IsNullOrEmpty(hidden) || bestEpoch < 0
                || (classNames is not null && classNames.Length != sizes[^1]))
                throw Bad(where, "values out of range");
            if (r.BaseStream.Position != r.BaseStream.Length && version <= Version)
                throw Bad(where, "bytes left over after the last field");
            return new Metadata(task, activation, slope, sizes, feature, hidden, bestEpoch, training, validation, classNames, options);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{where}: the Mlp section is truncated.", e);
        }
    }

    /// <summary>
    /// Every <see cref="MlpOptions"/> setting that is saved, by name. <see cref="MlpOptions.Progress"/> is a callback and
    /// is not. A test checks that every other public property is listed.
    /// </summary>
    internal static readonly (string Name, Func<MlpOptions, object?> Get, Action<MlpOptions, object?> Set)[] OptionCodecs =
    [
        (nameof(MlpOptions.LabelColumnName), o => o.LabelColumnName, (o, v) => o.LabelColumnName = (string)v!),
        (nameof(MlpOptions.FeatureColumnName), o => o.FeatureColumnName, (o, v) => o.FeatureColumnName = (string)v!),
        (nameof(MlpOptions.ExampleWeightColumnName), o => o.ExampleWeightColumnName, (o, v) => o.ExampleWeightColumnName = (string?)v),
        (nameof(MlpOptions.NumberOfThreads), o => o.NumberOfThreads, (o, v) => o.NumberOfThreads = (int?)v),
        (nameof(MlpOptions.FeatureLayout), o => (int)o.FeatureLayout, (o, v) => o.FeatureLayout = (FeatureLayout)(int)v!),
        (nameof(MlpOptions.MemoryBudgetBytes), o => o.MemoryBudgetBytes, (o, v) => o.MemoryBudgetBytes = (long?)v),
        (nameof(MlpOptions.HiddenLayerSizes), o => o.HiddenLayerSizes, (o, v) => o.HiddenLayerSizes = (int[]?)v),
        (nameof(MlpOptions.Activation), o => (int)o.Activation, (o, v) => o.Activation = (MlpActivation)(int)v!),
        (nameof(MlpOptions.LeakyReluSlope), o => o.LeakyReluSlope, (o, v) => o.LeakyReluSlope = (double)v!),
        (nameof(MlpOptions.Optimizer), o => (int)o.Optimizer, (o, v) => o.Optimizer = (MlpOptimizer)(int)v!),
        (nameof(MlpOptions.LearningRate), o => o.LearningRate, (o, v) => o.LearningRate = (double)v!),
        (nameof(MlpOptions.LearningRateSchedule), o => (int)o.LearningRateSchedule, (o, v) => o.LearningRateSchedule = (MlpLearningRateSchedule)(int)v!),
        (nameof(MlpOptions.PowerT), o => o.PowerT, (o, v) => o.PowerT = (double)v!),
        (nameof(MlpOptions.Momentum), o => o.Momentum, (o, v) => o.Momentum = (double)v!),
        (nameof(MlpOptions.Nesterov), o => o.Nesterov, (o, v) => o.Nesterov = (bool)v!),
        (nameof(MlpOptions.Beta1), o => o.Beta1, (o, v) => o.Beta1 = (double)v!),
        (nameof(MlpOptions.Beta2), o => o.Beta2, (o, v) => o.Beta2 = (double)v!),
        (nameof(MlpOptions.Epsilon), o => o.Epsilon, (o, v) => o.Epsilon = (double)v!),
        (nameof(MlpOptions.BatchSize), o => o.BatchSize, (o, v) => o.BatchSize = (int?)v),
        (nameof(MlpOptions.NumberOfEpochs), o => o.NumberOfEpochs, (o, v) => o.NumberOfEpochs = (int)v!),
        (nameof(MlpOptions.L2Regularization), o => o.L2Regularization, (o, v) => o.L2Regularization = (double)v!),
        (nameof(MlpOptions.StandardizeLabel), o => o.StandardizeLabel, (o, v) => o.StandardizeLabel = (bool)v!),
        (nameof(MlpOptions.Seed), o => o.Seed, (o, v) => o.Seed = (int?)v),
        (nameof(MlpOptions.Shuffle), o => o.Shuffle, (o, v) => o.Shuffle = (bool)v!),
        (nameof(MlpOptions.StopOnTrainingLossPlateau), o => o.StopOnTrainingLossPlateau, (o, v) => o.StopOnTrainingLossPlateau = (bool)v!),
        (nameof(MlpOptions.EarlyStopping), o => o.EarlyStopping, (o, v) => o.EarlyStopping = (bool)v!),
        (nameof(MlpOptions.ValidationFraction), o => o.ValidationFraction, (o, v) => o.ValidationFraction = (double)v!),
        (nameof(MlpOptions.Patience), o => o.Patience, (o, v) => o.Patience = (int)v!),
        (nameof(MlpOptions.Tolerance), o => o.Tolerance, (o, v) => o.Tolerance = (double)v!),
    ];

    private static void WriteOptions(BinaryWriter w, MlpOptions? options)
    {
        if (options is null)
        {
            w.Write(-1);
            return;
        }
        w.Write(OptionCodecs.Length);
        foreach (var (name, get, _) in OptionCodecs)
        {
            w.Write(name);
            switch (get(options))
            {
                case null: w.Write((byte)0); break;
                case int i: w.Write((byte)1); w.Write(i); break;
                case double d: w.Write((byte)2); w.Write(d); break;
                case bool b: w.Write((byte)3); w.Write(b); break;
                case string s: w.Write((byte)4); w.Write(s); break;
                case int[] a: w.Write((byte)5); WriteInts(w, a); break;
                case long l: w.Write((byte)6); w.Write(l); break;
                case var other: throw new InvalidOperationException($"MlpOptions.{name} has a type ({other.GetType().Name}) the Mlp section cannot store.");
            }
        }
    }

    private static MlpOptions? ReadOptions(BinaryReader r, string where)
    {
        int count = r.ReadInt32();
        if (count < 0) return null;
        CheckCount(count, r, where);
        var options = new MlpOptions();
        var setters = OptionCodecs.ToDictionary(c => c.Name, c => c.Set, StringComparer.Ordinal);
        for (int k = 0; k < count; k++)
        {
            string name = r.ReadString();
            byte tag = r.ReadByte();
            object? value = tag switch
            {
                0 => null,
                1 => r.ReadInt32(),
                2 => r.ReadDouble(),
                3 => r.ReadBoolean(),
                4 => r.ReadString(),
                5 => ReadInts(r, where),
                6 => r.ReadInt64(),
                _ => throw Bad(where, $"option '{name}' has an unknown type tag {tag}"),
            };
            if (!setters.TryGetValue(name, out var set)) continue; // written by a newer version: not a knob of this one
            try
            {
                set(options, value);
            }
            catch (InvalidCastException e)
            {
                throw new InvalidDataException($"{where}: option '{name}' holds a value of the wrong type.", e);
            }
        }
        return options;
    }

    private static void WriteInts(BinaryWriter w, int[]? values)
    {
        if (values is null) { w.Write(-1); return; }
        w.Write(values.Length);
        foreach (int v in values) w.Write(v);
    }

    private static void WriteDoubles(BinaryWriter w, double[]? values)
    {
        if (values is null) { w.Write(-1); return; }
        w.Write(values.Length);
        foreach (double v in values) w.Write(v);
    }

    private static int[]? ReadInts(BinaryReader r, string where)
    {
        int n = r.ReadInt32();
        if (n < 0) return null;
        CheckCount(n, r, where, 4);
        var values = new int[n];
        for (int i = 0; i < n; i++) values[i] = r.ReadInt32();
        return values;
    }

    private static double[]? ReadDoubles(BinaryReader r, string where)
    {
        int n = r.ReadInt32();
        if (n < 0) return null;
        CheckCount(n, r, where, 8);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = r.ReadDouble();
        return values;
    }

    /// <summary>A count larger than the bytes left is damage, not a huge array to allocate.</summary>
    private static void CheckCount(int count, BinaryReader r, string where, int bytesEach = 1)
    {
        if ((long)count * bytesEach > r.BaseStream.Length - r.BaseStream.Position)
            throw Bad(where, $"a count of {count} exceeds the bytes left");
    }

    private static InvalidDataException Bad(string where, string what) => new($"{where}: the Mlp section is damaged ({what}).");
}
