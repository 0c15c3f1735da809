using Microsoft.ML;
using MlNetExtensions.Tour;

// The tour: every trainer of MlNetExtensions next to ML.NET's built-ins on the data shipped in data/.
// Usage: dotnet run --project samples/MlNetExtensions.Tour -c Release [-- --output DIR]
string output = Path.GetFullPath(args.SkipWhile(a => a != "--output").Skip(1).FirstOrDefault() ?? "tour-output");
Directory.CreateDirectory(output);
Console.WriteLine($"MlNetExtensions tour. Saved models and plots go to {output}");

var ml = new MLContext(seed: 0);
RegressionTour.Run(ml, output);
BinaryTour.Run(ml, output);
MlpTour.Run(ml, output);
TextTour.Run(ml, output);
