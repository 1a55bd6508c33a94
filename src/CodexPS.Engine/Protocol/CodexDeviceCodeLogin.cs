namespace CodexPS.Engine.Protocol;

/// <summary>A ChatGPT device-code login in progress: the page to open and the code to enter there.</summary>
public sealed class CodexDeviceCodeLogin
{
    internal CodexDeviceCodeLogin(string loginId, string verificationUrl, string userCode)
    {
        LoginId = loginId;
        VerificationUrl = verificationUrl;
        UserCode = userCode;
    }

    public string LoginId { get; }

    public string VerificationUrl { get; }

    public string UserCode { get; }
}
