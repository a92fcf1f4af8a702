using Fnagent.Functions;

namespace Fnagent.Agent.Tests.Functions;

/// <summary>The format catalog is whole and agrees with the codecs and the parser.</summary>
public sealed class FunctionFormatsTests
{
    [Fact]
    public void EveryFormatHasOneRowFoundByItsValue()
    {
        Assert.Equal(Enum.GetValues<FunctionFormat>(), FunctionFormats.All.Select(row => row.Format));
        foreach (var format in Enum.GetValues<FunctionFormat>())
        {
            Assert.Equal(format, FunctionFormats.Of(format).Format);
        }
    }

    [Fact]
    public void EveryCodecHasItsRowsName()
    {
        var codecs = new FormatCodecs(new AgentOptions());
        foreach (var row in FunctionFormats.All.Where(row => row.NewCodec is not null))
        {
            Assert.Equal(row.Name, codecs.For(row.Format).Name);
        }
    }

    [Fact]
    public void EveryRowsNameIsAcceptedInAFuncYmlAndFoundAgain()
    {
        foreach (var row in FunctionFormats.All)
        {
            var parsed = FunctionFileParser.Parse("f/func.yml", $"name: f\ncmd: ./f\nformat: {row.Name}\n");
            Assert.Equal(row.Format, Assert.IsType<FunctionDefinition>(parsed.Function).Format);
            Assert.Same(row, FunctionFormats.Named(row.Name));
        }
    }

    [Fact]
    public void EveryHotCodecRunsOnTheHotRunnerAndOnlyACodeclessFormatOnADifferentOne()
    {
        foreach (var row in FunctionFormats.All)
        {
            // The hot runner speaks through codecs; the cold runner through its codec's environment.
            Assert.Equal(row.Runner is FormatRunner.Hot or FormatRunner.Cold, row.NewCodec is not null);
            Assert.Equal(row.Runner == FormatRunner.Cold, row.Lifetime == FormatLifetime.Cold);
        }
    }
}
