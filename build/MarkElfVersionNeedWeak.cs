// MSBuild inline task: marks one symbol-version need of an ELF64 shared library as weak
// (VER_FLG_WEAK in its Vernaux entry of .gnu.version_r), but only when the system's
// libstdc++ does not provide that version. See Directory.Build.targets for why.
#nullable disable
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class MarkElfVersionNeedWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required] public ITaskItem[] ElfFiles { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionName { get; set; } = "";

    private static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
    };

    public override bool Execute()
    {
        string system = null;
        foreach (var c in LibStdCxxCandidates)
        {
            if (File.Exists(c)) { system = c; break; }
        }
        if (system != null && Contains(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(VersionName + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"{system} provides {VersionName}; no patch needed.");
            return true;
        }
        foreach (var item in ElfFiles)
        {
            var path = item.ItemSpec;
            try
            {
                var result = Patch(path, VersionName);
                Log.LogMessage(MessageImportance.Low, $"{path}: {result}");
            }
            catch (Exception e)
            {
                Log.LogError($"Could not mark {VersionName} weak in {path}: {e.Message}");
                return false;
            }
        }
        return true;
    }

    private static bool Contains(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    private static string Patch(string path, string version)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1) throw new InvalidDataException("not a little-endian ELF64 file");

        ulong shoff = BitConverter.ToUInt64(bytes, 0x28);
        ushort shentsize = BitConverter.ToUInt16(bytes, 0x3A);
        ushort shnum = BitConverter.ToUInt16(bytes, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (BitConverter.ToUInt32(bytes, sh + 4) != ShtGnuVerneed) continue;
            int secOff = checked((int)BitConverter.ToUInt64(bytes, sh + 0x18));
            int link = (int)BitConverter.ToUInt32(bytes, sh + 0x28);
            int strSh = checked((int)shoff + link * shentsize);
            int strOff = checked((int)BitConverter.ToUInt64(bytes, strSh + 0x18));

            int vn = secOff;
            while (true)
            {
                ushort cnt = BitConverter.ToUInt16(bytes, vn + 2);
                int aux = vn + (int)BitConverter.ToUInt32(bytes, vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    ushort flags = BitConverter.ToUInt16(bytes, aux + 4);
                    int name = strOff + (int)BitConverter.ToUInt32(bytes, aux + 8);
                    if (ReadCString(bytes, name) == version)
                    {
                        if ((flags & VerFlgWeak) != 0) return $"{version} already weak";
                        flags |= VerFlgWeak;
                        bytes[aux + 4] = (byte)(flags & 0xff);
                        bytes[aux + 5] = (byte)(flags >> 8);
                        File.WriteAllBytes(path, bytes);
                        return $"marked {version} weak";
                    }
                    uint next = BitConverter.ToUInt32(bytes, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                uint vnNext = BitConverter.ToUInt32(bytes, vn + 12);
                if (vnNext == 0) break;
                vn += (int)vnNext;
            }
        }
        return $"no need for {version}";
    }

    private static string ReadCString(byte[] b, int off)
    {
        int end = off;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, off, end - off);
    }
}
