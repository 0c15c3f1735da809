using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Benchmarks;

/// <summary>A data set in memory as the benchmarks use it: row-major features and labels.</summary>
internal sealed record DenseSet(string Name, float[] X, float[] Y, int D)
{
    public int N => Y.Length;

    public IDataView ToDataView(MLContext ml, bool booleanLabel = false)
    {
        var rows = new SyntheticData.Row[N];
        for (int i = 0; i < N; i++) rows[i] = new SyntheticData.Row { Features = X.AsSpan(i * D, D).ToArray(), Label = Y[i] };
        var view = SyntheticData.FromRows(ml, rows, D);
        return booleanLabel
            ? ml.Transforms.CustomMapping<SyntheticData.Row, BoolLabel>((r, b) => b.BoolTarget = r.Label > 0.5f, null)
                .Append(ml.Transforms.DropColumns("Label")).Append(ml.Transforms.CopyColumns("Label", "BoolTarget"))
                .Fit(view).Transform(view)
            : view;
    }

    public sealed class BoolLabel
    {
        public bool BoolTarget { get; set; }
    }

    public static DenseSet FromCsv(string fileName)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", fileName)).Skip(1).Where(l => l.Length > 0).ToArray();
        int d = lines[0].Split(',').Length - 1;
        var x = new float[lines.Length * d];
        var y = new float[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            var v = lines[i].Split(',');
            for (int j = 0; j < d; j++) x[i * d + j] = float.Parse(v[j], CultureInfo.InvariantCulture);
            y[i] = float.Parse(v[d], CultureInfo.InvariantCulture);
        }
        return new DenseSet(Path.GetFileNameWithoutExtension(fileName), x, y, d);
    }

    /// <summary>Writes X (n × d) and y as float32 .npy files, the format numpy reads without parsing.</summary>
    public (string X, string Y) WriteNpy(string folder)
    {
        string xName = Name + ".x.npy", yName = Name + ".y.npy";
        WriteNpy(Path.Combine(folder, xName), X, $"({N}, {D})");
        WriteNpy(Path.Combine(folder, yName), Y, $"({N},)");
        return (xName, yName);
    }

    internal static void WriteNpy(string path, float[] values, string shape)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var stream = File.Create(path);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    /// <summary>Reads a float32 C-order .npy file (as numpy writes it) into a flat array.</summary>
    internal static float[] ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = bytes[8] | bytes[9] << 8;
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        if (!header.Contains("'<f4'") || header.Contains("'fortran_order': True"))
            throw new InvalidDataException($"{path}: expected little-endian float32 in C order, got {header.Trim()}.");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan(10 + headerLength)).ToArray();
    }
}

/// <summary>What our side of one job produced.</summary>
internal sealed record OurResult(double Seconds, double Metric, double[]? Coefficients, double Intercept);

/// <summary>
/// Issue 5 §3: scikit-learn and this library on the same generated and shipped data sets in one run. The data go to
/// scikit-learn as .npy files; each side times its fit alone (ours: median of 3 fits from an in-memory IDataView).
/// </summary>
internal sealed class SklearnComparison : IComparisonSuite
{
    private const string Python = "/usr/bin/python3";

    public string Name => "sklearn";

    private sealed record Job(string Name, DenseSet Train, DenseSet Test, string Model, object Params, string MetricName,
        Func<MLContext, DenseSet, DenseSet, OurResult> Ours);

    public void Run(TextWriter output)
    {
        var ml = new MLContext(seed: 0);
        var jobs = Jobs();
        string folder = Directory.CreateTempSubdirectory("mlnetext-sklearn-").FullName;
        try
        {
            var spec = new JsonArray();
            foreach (var job in jobs)
            {
                var (trainX, trainY) = job.Train.WriteNpy(folder);
                var (testX, testY) = job.Test.WriteNpy(folder);
                spec.Add(new JsonObject
                {
                    ["name"] = job.Name,
                    ["model"] = job.Model,
                    ["params"] = JsonSerializer.SerializeToNode(job.Params),
                    ["train_x"] = trainX,
                    ["train_y"] = trainY,
                    ["test_x"] = testX,
                    ["test_y"] = testY,
                });
            }
            File.WriteAllText(Path.Combine(folder, "jobs.json"), spec.ToJsonString());

            var (environment, theirs) = RunScikitLearn(folder);
            if (theirs is null)
            {
                output.WriteLine();
                output.WriteLine($"scikit-learn comparison skipped: {environment}");
                return;
            }

            output.WriteLine();
            output.WriteLine($"### Side by side with scikit-learn ({environment})");
            output.WriteLine();
            output.WriteLine("| job | ours s | scikit-learn s | scikit-learn / ours | metric | ours | scikit-learn | Δ metric | max abs Δ coefficient |");
            output.WriteLine("|---|---:|---:|---:|---|---:|---:|---:|---:|");
            foreach (var job in jobs)
            {
                var ours = job.Ours(ml, job.Train, job.Test);
                var them = theirs[job.Name];
                double theirSeconds = them["seconds"]!.GetValue<double>();
                double theirMetric = them["metric"]!.GetValue<double>();
                string coefDiff = "";
                if (ours.Coefficients is not null && them["coef"] is JsonArray coef && coef.Count == ours.Coefficients.Length)
                {
                    double max = Math.Abs(ours.Intercept - them["intercept"]!.GetValue<double>());
                    for (int j = 0; j < coef.Count; j++) max = Math.Max(max, Math.Abs(ours.Coefficients[j] - coef[j]!.GetValue<double>()));
                    coefDiff = max.ToString("G3", CultureInfo.InvariantCulture);
                }
                output.WriteLine($"| {job.Name} | {F(ours.Seconds, "F4")} | {F(theirSeconds, "F4")} | {F(theirSeconds / ours.Seconds, "F1")}× | " +
                                 $"{job.MetricName} | {F(ours.Metric, "F4")} | {F(theirMetric, "F4")} | {F(ours.Metric - theirMetric, "G3")} | {coefDiff} |");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static List<Job> Jobs()
    {
        var generatedTrain = Generated("linear-train", 200_000, 50, seed: 1);
        var generatedTest = Generated("linear-test", 50_000, 50, seed: 2);
        var diabetesTrain = DenseSet.FromCsv("diabetes.train.csv");
        var diabetesTest = DenseSet.FromCsv("diabetes.test.csv");
        var logisticTrain = GeneratedBinary("logistic-train", 200_000, 50, seed: 3);
        var logisticTest = GeneratedBinary("logistic-test", 50_000, 50, seed: 4);
        var (cancerTrain, cancerTest) = Standardised(DenseSet.FromCsv("breast_cancer.train.csv"), DenseSet.FromCsv("breast_cancer.test.csv"));
        var mlpTrain = GeneratedBinary("mlp-train", 100_000, 50, seed: 5);
        var mlpTest = GeneratedBinary("mlp-test", 20_000, 50, seed: 6);
        var (diabetesStdTrain, diabetesStdTest) = Standardised(diabetesTrain, diabetesTest);
        return
        [
            new("LinearRegression, generated 200,000 × 50", generatedTrain, generatedTest, "LinearRegression", new { }, "R²", Linear(0)),
            new("Ridge(α = 10), generated 200,000 × 50", generatedTrain, generatedTest, "Ridge", new { alpha = 10.0 }, "R²", Linear(10)),
            new("LinearRegression, diabetes", diabetesTrain, diabetesTest, "LinearRegression", new { }, "R²", Linear(0)),
            new("Ridge(α = 1), diabetes", diabetesTrain, diabetesTest, "Ridge", new { alpha = 1.0 }, "R²", Linear(1)),
            new("LogisticRegression(C = 1/(λn), λ = 1e-3), generated 200,000 × 50", logisticTrain, logisticTest, "LogisticRegression",
                new { C = 1 / (1e-3 * logisticTrain.N), tol = 1e-8 }, "accuracy", Logistic(1e-3)),
            new("LogisticRegression(C = 1/(λn), λ = 0.01), breast_cancer standardised", cancerTrain, cancerTest, "LogisticRegression",
                new { C = 1 / (0.01 * cancerTrain.N), tol = 1e-8 }, "accuracy", Logistic(0.01)),
            // scikit-learn divides its L2 penalty by the batch size: alpha = λ × batch gives the same objective.
            new("MLPClassifier(64 relu, adam, batch 200, 10 epochs), generated 100,000 × 50", mlpTrain, mlpTest, "MLPClassifier",
                new { hidden = new[] { 64 }, activation = "relu", learning_rate = 1e-3, batch_size = 200, epochs = 10, alpha = 1e-4 * 200 },
                "accuracy", Mlp(MlpTask.BinaryClassification, [64], 1e-3, 200, 10)),
            new("MLPRegressor(32 relu, adam, lr 0.01, batch 200, 300 epochs), diabetes standardised", diabetesStdTrain, diabetesStdTest, "MLPRegressor",
                new { hidden = new[] { 32 }, activation = "relu", learning_rate = 1e-2, batch_size = 200, epochs = 300, alpha = 1e-4 * 200 },
                "R²", Mlp(MlpTask.Regression, [32], 1e-2, 200, 300)),
            // L-BFGS is full batch: scikit-learn divides alpha by n, so alpha = λ·n; both stop at max |gradient| ≤ tol = 1e-4.
            new("MLPClassifier(32 relu, lbfgs, ≤ 200 iterations), breast_cancer standardised", cancerTrain, cancerTest, "MLPClassifier",
                new { hidden = new[] { 32 }, activation = "relu", solver = "lbfgs", epochs = 200, alpha = 1e-4 * cancerTrain.N, stall_test = true },
                "accuracy", Mlp(MlpTask.BinaryClassification, [32], 1e-3, 200, 200, MlpOptimizer.Lbfgs)),
        ];
    }

    private static Func<MLContext, DenseSet, DenseSet, OurResult> Linear(double l2) => (ml, train, test) =>
    {
        var data = train.ToDataView(ml);
        var trainer = ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: l2);
        double ms = Comparison.MedianMilliseconds(3, () => trainer.Fit(data))[0];
        var model = trainer.Fit(data);
        double r2 = ml.Regression.Evaluate(model.Transform(test.ToDataView(ml))).RSquared;
        return new OurResult(ms / 1000, r2, model.Model.Weights.Select(w => (double)w).ToArray(), model.Model.Bias);
    };

    private static Func<MLContext, DenseSet, DenseSet, OurResult> Logistic(double l2) => (ml, train, test) =>
    {
        // Objective (Σ BCE)/n + (λ/2)‖θ‖² equals scikit-learn's C·Σ BCE + ½‖θ‖² divided by C·n, with C = 1/(λn).
        var data = train.ToDataView(ml);
        var trainer = ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            L2Regularization = l2,
            GradientTolerance = 1e-8,
            ComputeStatistics = false,
        });
        double ms = Comparison.MedianMilliseconds(3, () => trainer.Fit(data))[0];
        var model = trainer.Fit(data);
        double accuracy = ml.BinaryClassification.Evaluate(model.Transform(test.ToDataView(ml))).Accuracy;
        return new OurResult(ms / 1000, accuracy, model.Model.SubModel.Weights.Select(w => (double)w).ToArray(), model.Model.SubModel.Bias);
    };

    private static Func<MLContext, DenseSet, DenseSet, OurResult> Mlp(MlpTask task, int[] hidden, double learningRate, int batch, int epochs,
        MlpOptimizer optimizer = MlpOptimizer.Adam) => (ml, train, test) =>
    {
        // Like for like with the scikit-learn job: both run every epoch (its stall test is off there, our plateau test
        // here) and both fit the label as it is (scikit-learn does not standardise it).
        var options = new MlpOptions
        {
            HiddenLayerSizes = hidden,
            Activation = MlpActivation.Relu,
            Optimizer = optimizer,
            LearningRate = learningRate,
            BatchSize = batch,
            NumberOfEpochs = epochs,
            L2Regularization = 1e-4,
            Shuffle = true,
            Seed = 0,
            StopOnTrainingLossPlateau = false,
            StandardizeLabel = false,
        };
        var data = train.ToDataView(ml);
        IEstimator<ITransformer> trainer = task == MlpTask.Regression
            ? ml.Regression.Trainers.Mlp(options)
            : ml.BinaryClassification.Trainers.Mlp(options);
        double ms = Comparison.MedianMilliseconds(3, () => trainer.Fit(data))[0];
        var scored = trainer.Fit(data).Transform(test.ToDataView(ml));
        double metric = task == MlpTask.Regression
            ? ml.Regression.Evaluate(scored).RSquared
            : ml.BinaryClassification.Evaluate(scored).Accuracy;
        return new OurResult(ms / 1000, metric, null, 0);
    };

    /// <summary>Both splits standardised with the train split's mean and population standard deviation.</summary>
    internal static (DenseSet Train, DenseSet Test) Standardised(DenseSet train, DenseSet test)
    {
        int d = train.D;
        var mean = new double[d];
        var sd = new double[d];
        for (int i = 0; i < train.N; i++) for (int j = 0; j < d; j++) mean[j] += train.X[i * d + j] / (double)train.N;
        for (int i = 0; i < train.N; i++) for (int j = 0; j < d; j++) sd[j] += Math.Pow(train.X[i * d + j] - mean[j], 2) / train.N;
        float[] Scale(DenseSet s) => s.X.Select((v, k) => (float)((v - mean[k % d]) / Math.Sqrt(sd[k % d]))).ToArray();
        return (train with { Name = train.Name + "-std", X = Scale(train) }, test with { Name = test.Name + "-std", X = Scale(test) });
    }

    /// <summary>x ~ N(0, 1)^d, y ~ Bernoulli(σ(xᵀθ + 0.5)), θⱼ = ((j mod 7) − 3)/3.</summary>
    private static DenseSet GeneratedBinary(string name, int n, int d, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n * d];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0.5;
            for (int j = 0; j < d; j++)
            {
                x[i * d + j] = (float)SyntheticData.Gaussian(rng);
                s += ((j % 7) - 3) / 3.0 * x[i * d + j];
            }
            y[i] = rng.NextDouble() < 1 / (1 + Math.Exp(-s)) ? 1f : 0f;
        }
        return new DenseSet(name, x, y, d);
    }

    private static DenseSet Generated(string name, int n, int d, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n * d];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            double s = 1;
            for (int j = 0; j < d; j++)
            {
                x[i * d + j] = (float)SyntheticData.Gaussian(rng);
                s += ((j % 7) - 3) * x[i * d + j];
            }
            y[i] = (float)(s + SyntheticData.Gaussian(rng));
        }
        return new DenseSet(name, x, y, d);
    }

    /// <summary>
    /// Runs scikit-learn's side; returns its environment line and results by job name, or a reason and null when
    /// Debian's python3-sklearn is not installed.
    /// </summary>
    internal static (string Environment, Dictionary<string, JsonNode>? Results) RunScikitLearn(string folder)
    {
        if (!File.Exists(Python))
            return ($"{Python} (Debian's system interpreter) was not found; install it with: apt-get install python3-sklearn libopenblas0-pthread", null);
        string script = Path.Combine(AppContext.BaseDirectory, "sklearn", "sklearn_side.py");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);
        // This machine sets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow a current one, so
        // scikit-learn runs without them (the environment line reports which kernel OpenBLAS then picked).
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var results = new Dictionary<string, JsonNode>();
        string environment = "";
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            var node = JsonNode.Parse(line)!;
            if (node["error"] is { } error) return (error.GetValue<string>(), null);
            if (node["environment"] is { } env)
                environment = $"scikit-learn {env["sklearn"]}, numpy {env["numpy"]}, Python {env["python"]}, BLAS: {env["blas"]}";
            else
                results[node["name"]!.GetValue<string>()] = node;
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            return ($"{Python} {script} exited with {process.ExitCode}: {stderr.Result.Trim().Split('\n').LastOrDefault()}", null);
        return (environment, results);
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
