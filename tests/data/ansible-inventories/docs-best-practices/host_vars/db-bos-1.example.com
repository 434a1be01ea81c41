---
# file: host_vars/db-bos-1.example.com
foo_agent_port: 86
bar_agent_port: 99
