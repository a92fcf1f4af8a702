using System.Security.Cryptography;
using System.Text;

namespace Fnagent.Builds;

/// <summary>
/// What a function's build depends on: its build command and the dependency manifests in
/// its folder (package.json and its lock files, requirements.txt, go.mod...), plus whether
/// node_modules exists for an npm project. Two equal fingerprints mean "no need to build again".
/// </summary>
internal static class BuildFingerprint
{
    /// <summary>The manifests a build depends on, when present in the function's folder.</summary>
    public static readonly string[] Manifests =
    [
        "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
        "requirements.txt", "pyproject.toml", "go.mod", "go.sum", "Cargo.toml", "Cargo.lock", "Gemfile", "Gemfile.lock",
    ];

    /// <summary>A cheap key from sizes and modification times: when it is unchanged, so are the contents.</summary>
    public static string QuickKey(string directory, IReadOnlyList<string> command)
    {
        var key = new StringBuilder(string.Join('\u001f', command));
        foreach (var name in Manifests)
        {
            var file = new FileInfo(Path.Combine(directory, name));
            if (file.Exists)
            {
                key.Append('|').Append(name).Append(':').Append(file.Length).Append(':').Append(file.LastWriteTimeUtc.Ticks);
            }
        }

        return key.Append("|node_modules:").Append(Directory.Exists(Path.Combine(directory, "node_modules"))).ToString();
    }

    /// <summary>The content hash that is stored once a build succeeded.</summary>
    public static string Compute(string directory, IReadOnlyList<string> command)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\u001f', command)));
        foreach (var name in Manifests)
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                hash.AppendData(Encoding.UTF8.GetBytes("\u001e" + name + "\u001e"));
                hash.AppendData(File.ReadAllBytes(path));
            }
        }

        // A deleted node_modules must be rebuilt even though package.json did not change.
        var packageJson = File.Exists(Path.Combine(directory, "package.json"));
        hash.AppendData(Encoding.UTF8.GetBytes(packageJson && !Directory.Exists(Path.Combine(directory, "node_modules")) ? "\u001eno node_modules" : ""));
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
