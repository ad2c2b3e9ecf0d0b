/**
 * The job files `nomad job init` writes: a redis cache on Docker, the same job Nomad's getting-started
 * material uses, with every common block written out and explained. The comments are ours.
 */

export const EXAMPLE_JOB_FILE_NAME = 'example.nomad';

export const EXAMPLE_JOB_SHORT = `job "example" {
  datacenters = ["dc1"]

  group "cache" {
    network {
      port "db" {
        to = 6379
      }
    }

    task "redis" {
      driver = "docker"

      config {
        image = "redis:3.2"
        ports = ["db"]
      }

      resources {
        cpu    = 500
        memory = 256
      }
    }
  }
}
`;

export const EXAMPLE_JOB = `# This file declares a job named "example": one redis cache, run by Docker.
# Submit it with "nomad job run example.nomad"; preview a change first with
# "nomad job plan example.nomad". Every block below is optional unless it says
# otherwise, and each one is explained where it appears. Lines that start with
# "#" are comments and are ignored.
#
# The job block is the top of the file. Its label is the job's ID, which must be
# unique within the region and namespace it is submitted to.
job "example" {
  # The region the job runs in. When absent, the job goes to the region of the
  # agent it is submitted to.
  #
  #     region = "global"
  #

  # Which datacenters may run the job's allocations. Glob patterns such as
  # "dc*" are allowed. This job only runs in "dc1".
  datacenters = ["dc1"]

  # The type decides which scheduler places the job: "service" for long-running
  # work that should always be up, "batch" for work that runs to completion,
  # "system" for one copy on every eligible node, and "sysbatch" for a batch
  # job on every node. When absent, the job is a service.
  type = "service"

  # Constraints limit the nodes the job may be placed on. This one, when
  # uncommented, keeps the job on Linux machines. A constraint can also be set
  # on a group or on a task.
  #
  #     constraint {
  #       attribute = "\${attr.kernel.name}"
  #       value     = "linux"
  #     }

  # The update block describes a rolling update: how a new version of the job
  # replaces the allocations of the old one. Written here, it applies to every
  # group; a group may have its own.
  update {
    # How many allocations are replaced at the same time.
    max_parallel = 1

    # How long an allocation must stay healthy before the next one is updated.
    min_healthy_time = "10s"

    # How long an allocation has to become healthy before it counts as failed.
    healthy_deadline = "3m"

    # How long the whole deployment may go without an allocation turning
    # healthy before it is marked as failed.
    progress_deadline = "10m"

    # Whether a failed deployment goes back to the last version of the job that
    # deployed successfully.
    auto_revert = false

    # How many canaries (allocations of the new version placed next to the old
    # ones, awaiting a promotion) a deployment starts with. 0 is a plain
    # rolling update.
    canary = 0
  }

  # The migrate block says how allocations leave a node that is being drained.
  # It only applies to service jobs.
  migrate {
    # How many allocations move at the same time.
    max_parallel = 1

    # "checks" waits for the new allocation's service checks to pass;
    # "task_states" only waits for its tasks to be running.
    health_check = "checks"

    # How long a moved allocation must be healthy before the next one moves.
    min_healthy_time = "10s"

    # How long a moved allocation has to become healthy.
    healthy_deadline = "5m"
  }

  # A group holds tasks that must run together on the same node: they share a
  # network and an allocation directory. The label names the group.
  group "cache" {
    # The "count" parameter says how many instances of this group should be
    # running. It must not be negative; without it, one instance runs.
    count = 1

    # The network the group's tasks share. The port "db" below gets a dynamic
    # port on the host, mapped to port 6379 inside the container.
    network {
      port "db" {
        to = 6379
      }
    }

    # A service registers the group's port so that other jobs can find it.
    # Uncomment it to register "redis-cache" in Nomad's own service catalog.
    #
    #     service {
    #       name     = "redis-cache"
    #       tags     = ["global", "cache"]
    #       port     = "db"
    #       provider = "nomad"
    #     }

    # The restart block says what happens when a task exits or fails on its
    # node: here, up to 2 restarts within 30 minutes, 15 seconds apart, after
    # which the allocation fails (and may be rescheduled elsewhere).
    restart {
      attempts = 2
      interval = "30m"
      delay    = "15s"
      mode     = "fail"
    }

    # Scratch disk space for the allocation, in MB. With "sticky", a
    # replacement allocation is placed on the same node and keeps the data;
    # with "migrate", the data follows it to another node.
    ephemeral_disk {
      size = 300
    }

    # Affinities and spreads express preferences, not requirements. When
    # uncommented, these prefer nodes with a fast disk and spread the
    # instances across datacenters.
    #
    #     affinity {
    #       attribute = "\${node.class}"
    #       value     = "fast-disk"
    #       weight    = 50
    #     }
    #
    #     spread {
    #       attribute = "\${node.datacenter}"
    #     }

    # A task is one process: here, the redis server. The label names it.
    task "redis" {
      # The driver that runs the task: "docker" runs a container image.
      driver = "docker"

      # Driver-specific configuration. Docker needs an image and, to publish
      # the group's port, the label of that port.
      config {
        image = "redis:3.2"
        ports = ["db"]
      }

      # Files can be fetched into the task's directory before it starts:
      #
      #     artifact {
      #       source = "https://example.com/file.tar.gz"
      #     }

      # The task's logs are rotated: at most 10 files of 10 MB each, unless
      # said otherwise.
      #
      #     logs {
      #       max_files     = 10
      #       max_file_size = 10
      #     }

      # The resources the task needs on its node: CPU in MHz, memory in MB.
      # The scheduler only places the task where they are free.
      resources {
        cpu    = 500
        memory = 256
      }

      # How long Nomad waits after asking the task to stop before it kills it.
      #
      #     kill_timeout = "20s"
    }
  }
}
`;
