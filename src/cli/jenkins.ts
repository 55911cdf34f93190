// `jenkins render <service>` and `run-step <step> --plan FILE` register here (issue 6).
export {};
