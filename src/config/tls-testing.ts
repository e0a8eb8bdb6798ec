// A certificate for unit specs that need real PEM (not used at run time).

/** A throwaway self-signed certificate (CN "berth spec", no subjectAltName, valid until 2126) and its key. */
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBgDCCASegAwIBAgIUbV/4NbTN20N2a/OIdpQ6cBuLrfswCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKYmVydGggc3BlYzAgFw0yNjExMjYxNDMzMjhaGA8yMTI2MTEw
MjE0MzMyOFowFTETMBEGA1UEAwwKYmVydGggc3BlYzBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABIs+9SBLsGqhpB3yq4l6gUoypy029f9WOzeuyRz8qE3y2XTPAi65
zVfe6b8+SgDfdQPxvSXb7/tUeMyJVOSGCq6jUzBRMB0GA1UdDgQWBBS6e1jo8oXp
daJVlD38zOnaEsPVejAfBgNVHSMEGDAWgBS6e1jo8oXpdaJVlD38zOnaEsPVejAP
BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIGk+PlYOtSUMCuJ+udqY
4W3M7VTkILqp9KfWnkKh4Y+fAiA2maLg7ND94inbawBpDa0TAPKtWcoHgdUl8JB2
EuWa2w==
-----END CERTIFICATE-----
`;
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgCs9+vR2I1mFXHRQ2
h9tm/M5WpFXi34RF29o2kWadq0ihRANCAASLPvUgS7BqoaQd8quJeoFKMqctNvX/
Vjs3rskc/KhN8tl0zwIuuc1X3um/PkoA33UD8b0l2+/7VHjMiVTkhgqu
-----END PRIVATE KEY-----
`;
