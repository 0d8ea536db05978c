// The workflow services wired together over one context: what the REST API, the plugin host
// and cxloopctl hold to reach the business rules.
#pragma once

#include "workflow/analytics_summary.hpp"
#include "workflow/articles.hpp"
#include "workflow/assets.hpp"
#include "workflow/campaigns.hpp"
#include "workflow/case_history.hpp"
#include "workflow/cases.hpp"
#include "workflow/customers.hpp"
#include "workflow/departments.hpp"
#include "workflow/problems.hpp"
#include "workflow/recurrence.hpp"
#include "workflow/solutions.hpp"
#include "workflow/suggestions.hpp"
#include "workflow/tasks.hpp"
#include "workflow/tokens.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {

struct DomainServices {
  explicit DomainServices(WorkflowContext& context)
      : customers(context),
        assets(context),
        cases(context, customers),
        case_history(context),
        problems(context),
        solutions(context),
        articles(context),
        departments(context),
        tasks(context),
        campaigns(context, cases),
        tokens(context),
        suggestions(context),
        recurrence(context),
        analytics(context) {}
  DomainServices(const DomainServices&) = delete;
  DomainServices& operator=(const DomainServices&) = delete;

  CustomerService customers;
  AssetService assets;
  CaseService cases;
  CaseHistory case_history;  // the lean read an analytics index is rebuilt from
  ProblemService problems;
  SolutionService solutions;
  ArticleService articles;
  DepartmentService departments;
  TaskService tasks;
  CampaignService campaigns;
  TokenService tokens;
  SuggestionService suggestions;
  RecurrenceChecker recurrence;  // run_once() from the server's timer
  AnalyticsSummary analytics;
};

}  // namespace cxloop::workflow
